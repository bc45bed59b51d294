/* The light, dark or system theme. This file is linked in <head> without `defer`, after the
   stylesheets, so the reader's choice is applied before the page is first drawn: no flash of
   the other theme. The dark colours live in coursebook-dark.css, linked with a
   prefers-color-scheme media query, so without JavaScript the system preference applies; the
   choice only changes that link's media. It is remembered in localStorage, for every page. */
(function () {
  "use strict";

  var KEY = "coursebook-theme";
  var THEMES = ["system", "light", "dark"];
  var DARK_MEDIA = {
    system: "screen and (prefers-color-scheme: dark)",
    light: "not all",
    dark: "screen"
  };

  function chosen() {
    try {
      var theme = window.localStorage.getItem(KEY);
      return THEMES.indexOf(theme) >= 0 ? theme : "system";
    } catch (error) {
      return "system";  // storage refused (private mode, blocked cookies)
    }
  }

  function apply(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    var links = document.querySelectorAll("link[data-dark-theme]");
    for (var i = 0; i < links.length; i++) {
      links[i].media = DARK_MEDIA[theme];
    }
  }

  function describe(button, theme) {
    var label = button.querySelector("[data-theme-label]");
    label.textContent = "Theme: " + theme;
    button.title = "Theme: " + theme + " (switch to " + next(theme) + ")";
  }

  function next(theme) {
    return THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  }

  apply(chosen());

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-switch]");
    if (!button) {
      return;
    }
    describe(button, chosen());
    button.hidden = false;
    button.addEventListener("click", function () {
      var theme = next(document.documentElement.getAttribute("data-theme"));
      try {
        window.localStorage.setItem(KEY, theme);
      } catch (error) {
        // Not remembered, but still applied to this page.
      }
      apply(theme);
      describe(button, theme);
    });
    // Another tab changed the theme: follow it.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY) {
        apply(chosen());
        describe(button, chosen());
      }
    });
  });
})();
