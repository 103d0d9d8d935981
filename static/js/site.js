// Progressive enhancement only: every page works without this file.
document.documentElement.classList.replace("no-js", "js");
