// Take the selfie with the camera. The shot is put into the same file input a picked file goes
// into, so the form posts it the same way and the server runs the same upload checks. Without
// a camera API (old browser, plain-HTTP page) this stays hidden and the file picker is all.
//
// The live view is mirrored, as people expect of a front camera; the shot is what the camera
// sees (not mirrored), and the preview after it shows exactly the file that will be uploaded.
(function () {
  "use strict";
  const input = document.querySelector('input[type="file"][name="photo"]');
  const box = document.getElementById("camera");
  if (!input || !box) return;
  const media = navigator.mediaDevices;
  if (!window.isSecureContext || !media || !media.getUserMedia || !window.DataTransfer) return;

  const stage = document.getElementById("camera-stage");
  const video = document.getElementById("camera-video");
  const countdown = document.getElementById("camera-countdown");
  const status = document.getElementById("camera-status");
  const start = document.getElementById("camera-start");
  const shoot = document.getElementById("camera-shoot");
  const retake = document.getElementById("camera-retake");
  const cancel = document.getElementById("camera-cancel");
  const SECONDS = 3;

  let stream = null;
  let timer = null;
  let shot = null; // the File we last put into the input
  let opening = false; // a camera request is waiting for the user's answer
  let putting = false; // our own change event, not the user picking a file

  const MESSAGES = {
    NotAllowedError:
      "The camera is blocked for this site. Allow it in your browser, or choose a photo file.",
    SecurityError:
      "The camera is blocked for this site. Allow it in your browser, or choose a photo file.",
    NotFoundError: "No camera was found. Choose a photo file instead.",
    OverconstrainedError: "No front camera was found. Choose a photo file instead.",
    NotReadableError:
      "The camera is busy in another app. Close that and try again, or choose a photo file.",
    AbortError: "The camera didn't start. Try again, or choose a photo file.",
  };

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function show(state) {
    // idle: the button only; live: the video and "Take photo"; taken: "Retake".
    stage.hidden = state !== "live";
    start.hidden = state !== "idle";
    shoot.hidden = state !== "live";
    retake.hidden = state !== "taken";
    cancel.hidden = state === "idle";
    shoot.disabled = false;
    start.disabled = false;
    retake.disabled = false;
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    countdown.textContent = "";
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
  }

  function putFile(file) {
    const transfer = new DataTransfer();
    if (file) transfer.items.add(file);
    input.files = transfer.files;
    putting = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    putting = false;
  }

  async function open() {
    if (opening) return;
    opening = true;
    stop();
    start.disabled = true;
    retake.disabled = true;
    say("Asking for your camera…");
    try {
      stream = await media.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } },
        audio: false,
      });
    } catch (err) {
      opening = false;
      stop();
      show("idle");
      say(MESSAGES[err && err.name] || "The camera didn't start. Choose a photo file instead.", true);
      return;
    }
    stream.getVideoTracks().forEach((track) => {
      track.addEventListener("ended", () => {
        stop();
        show("idle");
        say("The camera stopped. Try again, or choose a photo file.", true);
      });
    });
    opening = false;
    video.srcObject = stream;
    show("live");
    shoot.disabled = true;
    try {
      await video.play();
    } catch (err) {
      if (!stream) return; // stopped on purpose while starting
      stop();
      show("idle");
      say("The camera preview didn't start. Try again, or choose a photo file.", true);
      return;
    }
    if (!stream) return;
    shoot.disabled = false;
    shoot.focus();
    say("Camera on. Press “Take photo” for a " + SECONDS + "-second countdown.");
  }

  function capture() {
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    stop();
    canvas.toBlob(
      (blob) => {
        if (!blob) {
          show("idle");
          say("The photo couldn't be taken. Try again, or choose a photo file.", true);
          return;
        }
        const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
        shot = new File([blob], "selfie-" + stamp + ".jpg", { type: "image/jpeg" });
        putFile(shot);
        show("taken");
        retake.focus();
        say("Photo taken. It is uploaded when you press Create.");
      },
      "image/jpeg",
      0.92,
    );
  }

  function countDown() {
    shoot.disabled = true;
    let left = SECONDS;
    const tick = () => {
      countdown.textContent = String(left);
      say("Taking the photo in " + left + "…");
    };
    tick();
    timer = setInterval(() => {
      left -= 1;
      if (left > 0) return tick();
      clearInterval(timer);
      timer = null;
      capture();
    }, 1000);
  }

  start.addEventListener("click", open);
  shoot.addEventListener("click", countDown);
  retake.addEventListener("click", () => {
    putFile(null);
    open();
  });
  cancel.addEventListener("click", () => {
    stop();
    // Going back to the picker drops our shot, but never a file the user picked.
    if (shot && input.files[0] === shot) putFile(null);
    show("idle");
    say("");
    input.focus();
  });
  input.addEventListener("change", () => {
    // Picking a file while the camera is on means the file wins.
    if (putting) return;
    stop();
    show("idle");
    say("");
  });
  input.form.addEventListener("submit", stop);
  window.addEventListener("pagehide", () => {
    if (!stream) return;
    stop();
    show("idle");
  });

  box.hidden = false;
  show("idle");
})();
