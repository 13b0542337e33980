// The avatar page's reel: ask for it (the first ask starts a job: 202 with Retry-After and
// its progress), ask again until it is made (200), then play it where the button was.
(function () {
  "use strict";
  const button = document.getElementById("reel-play");
  if (!button) return;
  const status = document.getElementById("reel-status");
  const bar = document.getElementById("reel-progress");
  const image = document.getElementById("reel-image");
  const downloads = document.getElementById("reel-downloads");
  let shownAt = -1;
  let retry = false;  // after a failure, the next ask starts the job again

  function say(words) { status.textContent = words; }

  function ask() {
    const url = button.dataset.url + (retry ? "?retry=1" : "");
    retry = false;
    fetch(url, { credentials: "same-origin", headers: { Accept: "image/webp,application/json" } })
      .then(function (r) {
        if (r.status === 202) {
          return r.json().then(function (body) {
            bar.hidden = false;
            bar.value = body.percent;
            bar.textContent = body.percent + "%";
            // Say it once, not at every percent.
            if (shownAt < 0) { say("Making your reel…"); shownAt = 0; }
            const wait = Number(r.headers.get("Retry-After") || 2);
            setTimeout(ask, Math.min(Math.max(wait, 1), 10) * 1000 / 2);
          });
        }
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.detail || "The reel couldn't be made. Please try again.");
          });
        }
        return r.blob().then(function (blob) {
          image.src = URL.createObjectURL(blob);
          image.hidden = false;
          bar.hidden = true;
          downloads.hidden = false;
          button.textContent = "↻ Play again";
          button.disabled = false;
          say("Your reel is ready.");
        });
      })
      .catch(function (err) {
        bar.hidden = true;
        button.disabled = false;
        button.textContent = "↻ Try again";
        retry = true;
        say(err.message);
      });
  }

  button.addEventListener("click", function () {
    if (!image.hidden && image.src) {
      // Restart the animation from its first frame.
      const src = image.src;
      image.src = "";
      image.src = src;
      return;
    }
    button.disabled = true;
    shownAt = -1;
    ask();
  });
})();
