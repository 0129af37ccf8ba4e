// Phone/window camera for the photo pages: front camera, an oval guide, one JPEG frame put into
// the form's file input, then the normal form post (no photo leaves the page otherwise).
(function () {
  const start = document.getElementById("camera-start");
  const box = document.getElementById("camera");
  const video = document.getElementById("camera-video");
  const shoot = document.getElementById("camera-shoot");
  const input = document.getElementById("photo-file");
  const form = document.getElementById("photo-form");
  const channel = document.getElementById("photo-channel");
  if (!start || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    if (start) start.hidden = true;
    return;
  }
  let stream = null;
  start.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false,
      });
    } catch (err) {
      start.textContent = start.dataset.denied || "无法打开摄像头，请改为上传照片";
      return;
    }
    video.srcObject = stream;
    box.hidden = false;
    start.hidden = true;
  });
  shoot.addEventListener("click", () => {
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob((blob) => {
      const file = new File([blob], "camera.jpg", { type: "image/jpeg" });
      const dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
      if (channel) channel.value = form.dataset.cameraChannel || "citizen_camera";
      if (stream) stream.getTracks().forEach((t) => t.stop());
      form.submit();
    }, "image/jpeg", 0.92);
  });
})();
