/* Lesson pages: a copy button on every code block, and "On this page" marking the section
   being read. Both only add to the page: without JavaScript it reads the same. */
(function () {
  "use strict";

  function addCopyButtons() {
    if (!navigator.clipboard) {
      return;  // the Clipboard API needs a secure context (HTTPS or localhost)
    }
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    document.body.appendChild(status);

    var blocks = document.querySelectorAll(".prose .highlight");
    for (var i = 0; i < blocks.length; i++) {
      addCopyButton(blocks[i], status);
    }
  }

  function addCopyButton(block, status) {
    var pre = block.querySelector("pre");
    var code = pre && pre.querySelector("code");
    if (!code) {
      return;
    }
    var header = block.querySelector(".code-header");
    if (!header) {
      header = document.createElement("div");
      header.className = "code-header";
      block.insertBefore(header, pre);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "code-copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + (pre.getAttribute("aria-label") || "code"));
    button.addEventListener("click", function () {
      var text = code.textContent.replace(/\n$/, "");
      navigator.clipboard.writeText(text).then(
        function () { tell(button, status, "Copied", "Code copied to the clipboard."); },
        function () { tell(button, status, "Not copied", "The browser did not allow copying."); }
      );
    });
    header.appendChild(button);
  }

  function tell(button, status, label, message) {
    button.textContent = label;
    status.textContent = message;
    window.clearTimeout(button.resetTimer);
    button.resetTimer = window.setTimeout(function () {
      button.textContent = "Copy";
      status.textContent = "";
    }, 2000);
  }

  // "On this page": the current section is the last one whose heading has scrolled past the
  // top quarter of the window; at the bottom of the page, the last heading in view.
  function followSections() {
    var links = document.querySelectorAll(".lesson-toc a[href^='#']");
    var entries = [];
    for (var i = 0; i < links.length; i++) {
      var heading = document.getElementById(decodeURIComponent(links[i].hash.slice(1)));
      if (heading) {
        entries.push({ link: links[i], heading: heading });
      }
    }
    if (!entries.length) {
      return;
    }
    var current = null;
    var scheduled = false;

    function update() {
      scheduled = false;
      var line = window.innerHeight / 4;
      var atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      var found = entries[0];
      for (var i = 0; i < entries.length; i++) {
        var top = entries[i].heading.getBoundingClientRect().top;
        if (top <= line || (atBottom && top < window.innerHeight)) {
          found = entries[i];
        }
      }
      if (found !== current) {
        if (current) {
          current.link.classList.remove("toc-active");
        }
        found.link.classList.add("toc-active");
        current = found;
      }
    }

    function schedule() {
      if (!scheduled) {
        scheduled = true;
        window.requestAnimationFrame(update);
      }
    }

    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule);
    update();
  }

  function start() {
    addCopyButtons();
    followSections();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
