/* The ballot works without JavaScript. This only adds a filter by subject above a long list of
   projects; the choice already made on the page stays chosen whatever is shown. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".category-filter");
    if (!box) { return; }
    var select = box.querySelector("select");
    var count = box.querySelector(".category-count");
    var cards = document.querySelectorAll(".ballot-card");
    function update() {
      var wanted = select.value, shown = 0;
      for (var i = 0; i < cards.length; i++) {
        var card = cards[i];
        var keep = !wanted || card.getAttribute("data-category") === wanted ||
          card.querySelector(".radio-input:checked") !== null;
        card.hidden = !keep;
        if (keep) { shown += 1; }
      }
      // The words come from the page, in its language.
      count.textContent = wanted ? count.getAttribute("data-words").replace("{shown}", String(shown))
        .replace("{total}", String(cards.length)) : "";
    }
    box.hidden = false;
    select.addEventListener("change", update);
  });
})();
