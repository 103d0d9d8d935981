// Timezone pickers: progressive enhancement of <select data-timezone-picker> (rendered by
// members.forms.TimezoneSelect, grouped by region in <optgroup>s). Without this file the
// plain select works as it is.
//
// 1. The browser's zone (Intl...resolvedOptions().timeZone, matched through each option's
//    data-aliases when the browser reports an old name such as Asia/Calcutta):
//    data-browser-timezone="fill" preselects it (a fresh sign-up form); "suggest" offers
//    a button to switch to it, never changing a saved choice by itself (profile).
// 2. A searchable combobox (WAI-ARIA APG "editable combobox with list autocomplete"):
//    a text input with role=combobox that filters a listbox of the select's options by
//    city, region or old name; the device's zone is listed first. Arrow keys move, Enter
//    chooses, Escape closes (or restores the current choice), Tab leaves. The select stays
//    in the form (hidden) and carries the value, so the server sees the same field.
(() => {
  "use strict";

  let browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    browserZone = "";
  }

  const displayName = (value) => value.replace(/_/g, " ");
  const fold = (text) =>
    text
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[_/]+/g, " ");

  // The option standing for `zone` in `select`: by value, else by an old name.
  function optionFor(select, zone) {
    if (!zone) return null;
    for (const option of select.options) {
      if (option.value === zone) return option;
    }
    for (const option of select.options) {
      const aliases = (option.dataset.aliases || "").split(" ");
      if (aliases.includes(zone)) return option;
    }
    return null;
  }

  function choose(select, value) {
    if (select.value === value) return;
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function browserTimezone(select) {
    const device = optionFor(select, browserZone);
    if (!device) return;
    const mode = select.dataset.browserTimezone;
    if (mode === "fill") {
      choose(select, device.value);
    } else if (mode === "suggest" && select.value !== device.value) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm px-0 browser-timezone-suggestion";
      button.textContent = `Use this device's timezone (${device.value})`;
      button.addEventListener("click", () => {
        choose(select, device.value);
        button.remove();
        (select.timezoneCombobox || select).focus();
      });
      (select.timezoneCombobox?.parentElement || select).insertAdjacentElement("afterend", button);
      select.addEventListener("change", () => {
        if (select.value === device.value) button.remove();
      });
    }
  }

  let counter = 0;

  function combobox(select) {
    const n = ++counter;
    const listId = `tz-listbox-${n}`;
    const wrapper = document.createElement("div");
    wrapper.className = "tz-combobox";
    const input = document.createElement("input");
    input.type = "text";
    // Bootstrap's form-select look (with its chevron): it reads as a picker.
    input.className = select.className;
    if (!/\bform-select\b/.test(input.className)) input.className += " form-select";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.placeholder = "Type a city or region";
    for (const name of ["aria-describedby", "aria-invalid", "required"]) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    }
    // The label (<label for=id>) now names the input; the select keeps the value.
    const id = select.id;
    select.id = `${id}_select`;
    input.id = id;
    select.hidden = true;
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");

    const list = document.createElement("div");
    list.id = listId;
    list.className = "tz-listbox";
    list.setAttribute("role", "listbox");
    // Not the field's own label: that names the input alone (one "Timezone" field).
    list.setAttribute("aria-label", "Matching zones");
    list.hidden = true;

    // One entry per option: its element in the listbox and the text the search looks at.
    const entries = [];
    const groups = [];
    let optionCounter = 0;
    function addOption(option, container, device) {
      const item = document.createElement("div");
      item.id = `${listId}-${++optionCounter}`;
      item.className = "tz-option";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.value = option.value;
      item.textContent = option.textContent;
      container.appendChild(item);
      const entry = {
        item,
        device,
        value: option.value,
        search: fold(
          `${option.value} ${option.textContent} ${option.dataset.aliases || ""}`,
        ),
      };
      entries.push(entry);
      return entry;
    }
    function addGroup(label, options, device = false) {
      const group = document.createElement("div");
      group.setAttribute("role", "group");
      const heading = document.createElement("div");
      heading.className = "tz-group-label";
      heading.id = `${listId}-g${groups.length}`;
      heading.setAttribute("role", "presentation");
      heading.textContent = label;
      group.setAttribute("aria-labelledby", heading.id);
      group.appendChild(heading);
      const members = options.map((option) => addOption(option, group, device));
      groups.push({ group, members });
      list.appendChild(group);
    }
    const device = optionFor(select, browserZone);
    if (device) addGroup("This device", [device], true);
    const loose = [];
    for (const child of select.children) {
      if (child.tagName === "OPTGROUP") {
        if (loose.length) addGroup("Universal", loose.splice(0));
        addGroup(child.label, Array.from(child.children));
      } else {
        loose.push(child);
      }
    }
    if (loose.length) addGroup("Universal", loose);

    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    select.insertAdjacentElement("afterend", wrapper);
    wrapper.append(input, list, status);
    select.timezoneCombobox = input;

    let active = null;
    const selectedLabel = () => {
      const option = select.options[select.selectedIndex];
      return option ? displayName(option.value) : "";
    };
    const visible = () => entries.filter((e) => !e.item.hidden);

    function setActive(entry, scroll = true) {
      if (active) active.item.setAttribute("aria-selected", "false");
      active = entry;
      if (entry) {
        entry.item.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", entry.item.id);
        if (scroll) entry.item.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function open() {
      if (!list.hidden) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(null);
    }
    function filter(text) {
      const words = fold(text).split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const entry of entries) {
        const match = words.every((word) => entry.search.includes(word));
        entry.item.hidden = !match;
        if (match) shown += 1;
      }
      for (const { group, members } of groups) {
        group.hidden = members.every((entry) => entry.item.hidden);
      }
      status.textContent = shown
        ? `${shown} timezone${shown === 1 ? "" : "s"} found`
        : "No timezone found: try a city or a region";
      return shown;
    }
    function showAll() {
      filter("");
      status.textContent = "";
      open();
      const current = entries.find((e) => e.value === select.value && !e.device);
      setActive(current || visible()[0] || null);
    }
    function accept(entry) {
      choose(select, entry.value);
      input.value = selectedLabel();
      close();
    }
    function move(step) {
      const shown = visible();
      if (!shown.length) return;
      const index = shown.indexOf(active);
      const next = index < 0 ? (step > 0 ? 0 : shown.length - 1) : index + step;
      setActive(shown[Math.max(0, Math.min(shown.length - 1, next))]);
    }

    input.value = selectedLabel();
    select.addEventListener("change", () => {
      input.value = selectedLabel();
    });
    input.addEventListener("focus", () => input.select());
    input.addEventListener("click", () => (list.hidden ? showAll() : close()));
    input.addEventListener("input", () => {
      const shown = filter(input.value);
      open();
      setActive(shown ? visible()[0] : null);
    });
    input.addEventListener("keydown", (event) => {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (list.hidden) showAll();
          else if (!event.altKey) move(1);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (list.hidden) showAll();
          else move(-1);
          break;
        case "PageDown":
        case "PageUp":
          if (!list.hidden) {
            event.preventDefault();
            move(event.key === "PageDown" ? 10 : -10);
          }
          break;
        case "Enter":
          if (!list.hidden) {
            // Choosing from an open list must not submit the form.
            event.preventDefault();
            if (active) accept(active);
            else close();
          }
          break;
        case "Escape":
          if (!list.hidden) {
            event.preventDefault();
            close();
          }
          input.value = selectedLabel();
          input.select();
          break;
        case "Tab":
          close();
          input.value = selectedLabel();
          break;
        default:
          break;
      }
    });
    input.addEventListener("blur", () => {
      // Typing alone never changes the choice: leaving restores the chosen zone's name.
      window.setTimeout(() => {
        if (document.activeElement !== input) {
          close();
          input.value = selectedLabel();
        }
      }, 150);
    });
    // mousedown, not click: the input keeps focus, so blur does not close the list first.
    list.addEventListener("mousedown", (event) => {
      event.preventDefault();
      const item = event.target.closest('[role="option"]');
      const entry = item && entries.find((e) => e.item === item);
      if (entry) accept(entry);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("select[data-timezone-picker]").forEach((select) => {
      combobox(select);
      browserTimezone(select);
    });
  });
})();
