// The profile page's guided identity photos: the camera stays on while the page asks for each
// angle still missing (front, left, right, smile, one of your choice). Each shot is posted to
// the API, whose check (one face, turned as asked, level, sharp, lit) keeps it or says what to
// change; the page then asks for the next angle, or for the same one again. Without a camera
// API this stays hidden and the upload form is all.
(function () {
  "use strict";
  const box = document.getElementById("identity-camera");
  if (!box) return;
  const media = navigator.mediaDevices;
  if (!window.isSecureContext || !media || !media.getUserMedia || !window.FormData) return;

  const stage = document.getElementById("identity-stage");
  const video = document.getElementById("identity-video");
  const start = document.getElementById("identity-start");
  const shoot = document.getElementById("identity-shoot");
  const stopButton = document.getElementById("identity-stop");
  const ask = document.getElementById("identity-ask");
  const status = document.getElementById("identity-status");
  const csrf = box.querySelector("input[name=csrfmiddlewaretoken]");
  const steps = Array.from(box.querySelectorAll("#identity-steps li"));
  let stream = null;
  let current = 0;
  let kept = 0;

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function stop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    stage.hidden = true;
    shoot.hidden = true;
    stopButton.hidden = true;
    start.hidden = false;
    ask.textContent = "";
  }

  function askNext() {
    steps.forEach((li, index) => li.classList.toggle("current", index === current));
    const step = steps[current];
    ask.textContent = "Photo " + (current + 1) + " of " + steps.length + ": " + step.dataset.ask;
    shoot.disabled = false;
    shoot.focus();
  }

  function finished() {
    stop();
    say("All done: " + kept + " photo" + (kept === 1 ? "" : "s") + " kept. Showing them…");
    window.location.reload();
  }

  async function open() {
    start.disabled = true;
    say("Asking for your camera…");
    try {
      stream = await media.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } },
        audio: false,
      });
    } catch (err) {
      start.disabled = false;
      say("The camera didn't start (" + ((err && err.name) || "no camera") + "). Upload photos instead.", true);
      return;
    }
    video.srcObject = stream;
    stage.hidden = false;
    start.hidden = true;
    start.disabled = false;
    shoot.hidden = false;
    stopButton.hidden = false;
    try {
      await video.play();
    } catch (err) {
      stop();
      say("The camera preview didn't start. Try again, or upload photos instead.", true);
      return;
    }
    say("");
    askNext();
  }

  function shot() {
    // What the camera sees, not the mirrored live view: a turn to the left stays a turn left.
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  }

  async function take() {
    shoot.disabled = true;
    const angle = steps[current].dataset.angle;
    say("Checking the photo…");
    const blob = await shot();
    if (!blob) {
      say("The photo couldn't be taken. Try again.", true);
      shoot.disabled = false;
      return;
    }
    const form = new FormData();
    form.append("photo", new File([blob], "identity-" + angle + ".jpg", { type: "image/jpeg" }));
    form.append("angle", angle);
    let answer;
    let body = {};
    try {
      answer = await fetch(box.dataset.api, {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      });
      body = await answer.json().catch(() => ({}));
    } catch (err) {
      say("The photo couldn't be sent: check your connection and try again.", true);
      shoot.disabled = false;
      return;
    }
    if (answer.status === 201) {
      kept += 1;
      steps[current].classList.add("done");
      current += 1;
      if (current >= steps.length) return finished();
      say("Kept: " + body.angle_name.toLowerCase() + ".");
      askNext();
      return;
    }
    if (body.code === "too_many") return finished();
    say("Not kept: " + (body.detail || "the check failed.") + " Try again.", true);
    shoot.disabled = false;
    shoot.focus();
  }

  start.addEventListener("click", open);
  shoot.addEventListener("click", take);
  stopButton.addEventListener("click", () => {
    if (kept) return finished();
    stop();
    say("");
  });
  window.addEventListener("pagehide", stop);

  if (!steps.length) return;
  box.hidden = false;
})();
