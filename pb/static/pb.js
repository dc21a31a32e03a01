/* pb works without JavaScript. This file only adds small improvements. */
(function () {
  "use strict";
  // Move keyboard focus to an error summary so screen-reader users hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    // Print buttons are rendered hidden and shown only when JavaScript can print.
    var printButtons = document.querySelectorAll("[data-print]");
    for (var i = 0; i < printButtons.length; i++) {
      printButtons[i].hidden = false;
      printButtons[i].addEventListener("click", function () { window.print(); });
    }
  });
})();
