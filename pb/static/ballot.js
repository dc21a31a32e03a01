/* The ballot works without JavaScript. This only adds a running count of the choices made,
   and a note next to a choice that repeats an earlier one, before the page is sent. */
(function () {
  "use strict";
  function ordinal(n) {
    var s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var group = document.querySelector(".rank-selects");
    var status = document.querySelector(".choices-left");
    if (!group) { return; }
    var selects = group.querySelectorAll("select.rank-select");
    var max = selects.length;
    function update() {
      var chosen = 0, seen = {};
      for (var i = 0; i < selects.length; i++) {
        var select = selects[i];
        var note = document.getElementById(select.id + "-repeat");
        var value = select.value;
        var repeated = value && seen[value];
        if (value) { chosen += 1; if (!seen[value]) { seen[value] = i + 1; } }
        if (repeated && !note) {
          note = document.createElement("p");
          note.id = select.id + "-repeat";
          note.className = "field-error";
          select.parentNode.insertBefore(note, select);
        }
        if (note) {
          if (repeated) {
            note.textContent = "You already chose this project as your " + ordinal(seen[value]) + " choice. Choose a different one.";
          } else {
            note.parentNode.removeChild(note);
          }
        }
      }
      if (status) {
        var left = max - chosen;
        status.hidden = false;
        status.textContent = "You have chosen " + chosen + " of " + max + " projects." +
          (left > 0 ? " You can choose " + left + " more." : "");
      }
    }
    for (var i = 0; i < selects.length; i++) { selects[i].addEventListener("change", update); }
    update();
  });
})();
