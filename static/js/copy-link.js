// Copy buttons for read-only fields (the calendar link). Without JavaScript the buttons
// stay hidden and the field's text can be selected and copied by hand.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-select-on-focus]").forEach((field) => {
    field.addEventListener("focus", () => field.select());
  });
  document.querySelectorAll("[data-copy-from]").forEach((button) => {
    const field = document.getElementById(button.dataset.copyFrom);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!field) return;
    const say = (text) => {
      if (status) status.textContent = text;
    };
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        say("Link copied.");
      } catch (e) {
        // No clipboard API (plain http off localhost) or permission refused: select the
        // text so that Ctrl+C / Cmd+C copies it.
        field.focus();
        field.select();
        say("Press Ctrl+C (Cmd+C on a Mac) to copy the selected link.");
      }
    });
  });
});
