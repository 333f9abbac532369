// Camera scan of a card QR with the browser's own BarcodeDetector (no outside library).
// Where the browser has no detector or no camera, the button stays hidden: type the token.
(function () {
  "use strict";
  function start() {
    var button = document.getElementById("scan");
    var video = document.getElementById("scan-video");
    var input = document.getElementById("token");
    var form = document.getElementById("verify-form");
    if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        function stop() { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; }
        function tick() {
          detector.detect(video).then(function (codes) {
            if (codes.length) { input.value = codes[0].rawValue; stop(); form.submit(); return; }
            window.requestAnimationFrame(tick);
          }).catch(function () { window.requestAnimationFrame(tick); });
        }
        tick();
      }).catch(function () { button.hidden = true; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
