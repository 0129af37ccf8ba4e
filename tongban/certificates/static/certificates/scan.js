// Scan a certificate QR code with the device camera where the browser offers BarcodeDetector
// (Chrome on Android, Edge, ...). Elsewhere the button stays hidden: the phone's own camera app
// opens the QR link, which lands on this page with ?t=..., or the code can be pasted.
(function () {
  "use strict";
  var button = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var form = document.getElementById("verify-form");
  if (!button || !video || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var tick = function () {
        detector.detect(video).then(function (codes) {
          var hit = codes.map(function (c) { return c.rawValue; }).find(function (v) { return v.indexOf("TB1.") >= 0; });
          if (hit) {
            stop();
            form.querySelector("textarea").value = hit;
            form.requestSubmit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () {
      button.textContent = button.dataset.denied;
      button.disabled = true;
    });
  });
})();
