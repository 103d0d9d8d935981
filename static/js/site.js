// Progressive enhancement only: every page works without this file.
document.documentElement.classList.replace("no-js", "js");

// Timezone fields: data-browser-timezone="fill" fills an empty field (sign-up) with the
// browser's IANA timezone; "suggest" offers a button to switch a select (profile) to it,
// never changing a choice the person made.
document.addEventListener("DOMContentLoaded", () => {
  let browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  if (!browserZone) return;
  document.querySelectorAll('[data-browser-timezone="fill"]').forEach((field) => {
    if (field.value === "") field.value = browserZone;
  });
  document.querySelectorAll('[data-browser-timezone="suggest"]').forEach((select) => {
    const known = select.querySelector(`option[value="${CSS.escape(browserZone)}"]`);
    if (!known || select.value === browserZone) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm px-0 browser-timezone-suggestion";
    button.textContent = `Use this device's timezone (${browserZone})`;
    button.addEventListener("click", () => {
      select.value = browserZone;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      button.remove();
      select.focus();
    });
    select.insertAdjacentElement("afterend", button);
  });
});
