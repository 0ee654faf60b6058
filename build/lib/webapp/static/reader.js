/* Enhancements only: everything works without this file (anchors, <details>, textareas).
   - "/" focuses the search box; on a report page "n" / "p" go to the next / previous match.
   - Each citation gets a "复制引用" button. */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function matchCount() {
    return document.querySelectorAll(".match-nav").length;
  }

  function currentMatch() {
    var found = /^#m-(\d+)$/.exec(location.hash);
    if (found) return parseInt(found[1], 10);
    // Not arrived by a match link: the last match above the middle of the screen.
    var navs = document.querySelectorAll(".match-nav"), current = 0;
    for (var i = 0; i < navs.length; i++) {
      if (navs[i].getBoundingClientRect().top < window.innerHeight / 2) current = i + 1;
    }
    return current;
  }

  function goToMatch(step) {
    var count = matchCount();
    if (!count) return;
    var next = Math.min(Math.max(currentMatch() + step, 1), count);
    location.hash = "#m-" + next;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/") {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    } else if (event.key === "n") {
      goToMatch(1);
    } else if (event.key === "p") {
      goToMatch(-1);
    }
  });

  function copied(button, ok) {
    button.textContent = ok ? "已复制" : "请按 Ctrl+C 复制";
    button.setAttribute("data-copied", ok ? "true" : "false");
  }

  function copy(area, button) {
    area.focus();
    area.select();
    var fallback = function () {
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      copied(button, ok);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(area.value).then(function () { copied(button, true); }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea.citation");
    for (var i = 0; i < areas.length; i++) {
      (function (area) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "copy-citation";
        button.textContent = "复制引用";
        button.addEventListener("click", function () { copy(area, button); });
        area.parentNode.appendChild(button);
      })(areas[i]);
    }
  });
})();
