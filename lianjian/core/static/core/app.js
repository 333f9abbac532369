// Draws every ECharts chart on the page from its JSON option block.
// Options live in <script type="application/json"> tags (json_script), so the
// page needs no inline script and keeps CSP default-src 'self'.
(function () {
  function draw() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = echarts.init(el);
      chart.setOption(JSON.parse(source.textContent));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();

// Pickers (core/widgets/picker.html): htmx fetches the matches into .picker-results;
// choosing one fills the hidden input (or adds a chip when the picker takes several).
(function () {
  function pickerOf(el) { return el.closest("[data-picker]"); }
  function close(picker) {
    var list = picker.querySelector(".picker-results");
    if (list) { list.innerHTML = ""; }
    var input = picker.querySelector(".picker-input");
    if (input) { input.setAttribute("aria-expanded", "false"); }
  }
  function choose(option) {
    var picker = pickerOf(option);
    var value = option.getAttribute("data-value");
    var label = option.getAttribute("data-label");
    var input = picker.querySelector(".picker-input");
    if (picker.classList.contains("picker-multiple")) {
      var chosen = picker.querySelector(".picker-chosen");
      var exists = Array.prototype.some.call(chosen.querySelectorAll("input[type=hidden]"),
        function (h) { return h.value === value; });
      if (!exists) {
        var li = document.createElement("li");
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = picker.getAttribute("data-name");
        hidden.value = value;
        var span = document.createElement("span");
        span.textContent = label;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "picker-remove linkbtn";
        remove.setAttribute("aria-label", "移除 " + label);
        remove.textContent = "×";
        li.appendChild(hidden); li.appendChild(span); li.appendChild(document.createTextNode(" ")); li.appendChild(remove);
        chosen.appendChild(li);
      }
      input.value = "";
    } else {
      picker.querySelector(".picker-value").value = value;
      input.value = label;
      input.setAttribute("data-chosen-label", label);
    }
    close(picker);
    input.focus();
  }
  document.addEventListener("click", function (event) {
    var option = event.target.closest(".picker-option");
    if (option) { event.preventDefault(); choose(option); return; }
    var remove = event.target.closest(".picker-remove");
    if (remove) { event.preventDefault(); remove.closest("li").remove(); return; }
    document.querySelectorAll("[data-picker]").forEach(function (picker) {
      if (!picker.contains(event.target)) { close(picker); }
    });
  });
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("picker-input")) { return; }
    var picker = pickerOf(input);
    var hidden = picker.querySelector(".picker-value");
    // editing the text drops the earlier choice: the form never sends a stale id
    if (hidden && input.value !== input.getAttribute("data-chosen-label")) { hidden.value = ""; }
  });
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.closest) { return; }
    var picker = pickerOf(el);
    if (!picker) { return; }
    var options = Array.prototype.slice.call(picker.querySelectorAll(".picker-option"));
    var at = options.indexOf(el);
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      options[Math.min(at + 1, options.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      if (at === 0) { picker.querySelector(".picker-input").focus(); } else { options[at - 1].focus(); }
    } else if (event.key === "Escape") {
      close(picker);
    } else if (event.key === "Enter" && el.classList.contains("picker-input")) {
      // Enter in the search box picks the first match instead of submitting the form
      if (options.length) { event.preventDefault(); choose(options[0]); }
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.target;
    if (!list.classList || !list.classList.contains("picker-results")) { return; }
    var input = pickerOf(list).querySelector(".picker-input");
    input.setAttribute("aria-expanded", list.children.length ? "true" : "false");
  });
})();

// Forms marked data-confirm ask before they submit (reject, merge, return...);
// buttons marked data-print open the browser's print dialog. No inline script (CSP).
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var el = event.target && event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) { event.preventDefault(); window.print(); }
  });
})();
