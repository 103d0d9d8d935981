// Progressive enhancement only: every page works without this file.
document.documentElement.classList.replace("no-js", "js");

// Fill empty timezone fields (sign-up, profile) with the browser's IANA timezone.
document.addEventListener("DOMContentLoaded", () => {
  let browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  document.querySelectorAll("[data-browser-timezone]").forEach((field) => {
    if (!browserZone) return;
    if (field.value === "" || (field.dataset.browserTimezone === "replace-utc" && field.value === "UTC")) {
      if (field.tagName === "SELECT" && !field.querySelector(`option[value="${CSS.escape(browserZone)}"]`)) return;
      field.value = browserZone;
    }
  });
});
