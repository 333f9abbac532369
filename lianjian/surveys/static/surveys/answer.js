// Conditional questions: show a question only when its condition holds (the server checks too).
(function () {
  function refresh(form) {
    form.querySelectorAll("[data-show-q]").forEach(function (fs) {
      var wanted = fs.getAttribute("data-show-in").split(",");
      var inputs = form.querySelectorAll("[name='" + fs.getAttribute("data-show-q") + "']:checked");
      var shown = Array.prototype.some.call(inputs, function (i) { return wanted.indexOf(i.value) >= 0; });
      fs.classList.toggle("survey-hidden", !shown);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.survey-answer").forEach(function (form) {
      form.addEventListener("change", function () { refresh(form); });
      refresh(form);
    });
  });
})();
