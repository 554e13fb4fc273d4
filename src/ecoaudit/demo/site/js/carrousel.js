// Découvrir Valmont: carousel advancing every 5 s, with previous / pause / next.
(function () {
  "use strict";
  var carousel = document.querySelector(".carousel");
  if (!carousel) { return; }
  var slides = carousel.querySelectorAll(".slide");
  var current = 0;
  var timer = null;

  function show(index) {
    slides[current].classList.remove("active");
    current = (index + slides.length) % slides.length;
    slides[current].classList.add("active");
  }

  function start() { timer = window.setInterval(function () { show(current + 1); }, 5000); }
  function stop() { window.clearInterval(timer); timer = null; }

  carousel.addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-action");
    if (action === "next") { show(current + 1); }
    if (action === "previous") { show(current - 1); }
    if (action === "pause") {
      if (timer) { stop(); event.target.textContent = "Lecture"; }
      else { start(); event.target.textContent = "Pause"; }
    }
  });
  start();
})();
