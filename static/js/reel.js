// The avatar page's reel: ask for it (a POST, with the page's CSRF token: it starts a job that
// answers 202 with Retry-After, or 200 when the reel is made already), then look at it (GETs,
// which never start anything) until it is made, and play it where the button was.
(function () {
  "use strict";
  const button = document.getElementById("reel-play");
  if (!button) return;
  const status = document.getElementById("reel-status");
  const bar = document.getElementById("reel-progress");
  const image = document.getElementById("reel-image");
  const downloads = document.getElementById("reel-downloads");
  const csrf = button.parentNode.querySelector("input[name=csrfmiddlewaretoken]");
  let shownAt = -1;
  let asks = 0;  // a reel the server lost (its maker died) is asked for once more, not forever

  function say(words) { status.textContent = words; }

  function failed(body) {
    throw new Error(body.detail || "The reel couldn't be made. Please try again.");
  }

  function progress(r) {
    return r.json().then(function (body) {
      bar.hidden = false;
      bar.value = body.percent;
      bar.textContent = body.percent + "%";
      // Say it once, not at every percent.
      if (shownAt < 0) { say("Making your reel…"); shownAt = 0; }
      const wait = Number(r.headers.get("Retry-After") || 2);
      setTimeout(look, Math.min(Math.max(wait, 1), 10) * 1000 / 2);
    });
  }

  function ask() {
    asks += 1;
    fetch(button.dataset.ask, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
    })
      .then(function (r) {
        if (r.status === 202) return progress(r);
        if (!r.ok) return r.json().catch(function () { return {}; }).then(failed);
        look();
      })
      .catch(stop);
  }

  function look() {
    fetch(button.dataset.url, {
      credentials: "same-origin", headers: { Accept: "image/webp,application/json" },
    })
      .then(function (r) {
        if (r.status === 202) return progress(r);
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (body) {
            if (body.code === "reel_not_started" && asks < 2) return ask();
            failed(body);
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
      .catch(stop);
  }

  function stop(err) {
    bar.hidden = true;
    button.disabled = false;
    button.textContent = "↻ Try again";
    say(err.message);
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
    asks = 0;
    ask();
  });
})();
