// The avatar page's sticker-pack builder: asks the API for the pack (a POST with the page's CSRF
// token: 201 when it is made already, else 202 with Location and Retry-After), follows Location
// until it is made, then lists it with its download. Without this script the form posts to the
// page, which lists the pack being made.
(function () {
  "use strict";
  const form = document.getElementById("sticker-form");
  if (!form) return;
  const status = document.getElementById("sticker-status");
  const count = document.getElementById("sticker-count");
  const messenger = document.getElementById("sticker-messenger");
  const button = document.getElementById("sticker-make");
  const list = document.getElementById("sticker-packs");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  function chosen() {
    return Array.from(form.querySelectorAll("input[name=turns]:checked")).map(function (box) {
      return Number(box.value);
    });
  }

  function counted() {
    const n = chosen().length;
    count.textContent = "(" + n + " chosen)";
  }

  function say(words) { status.textContent = words; }

  // The made pack's first stickers, as the messenger gets them, on the three grounds the
  // page shows (as the server draws a pack listed when the page loads).
  const grounds = [
    ["checker", "On a chequerboard (transparent)"],
    ["dark", "On a dark chat"],
    ["light", "On a light chat"],
  ];

  function previews(pack, count) {
    const box = document.createElement("div");
    box.className = "sticker-previews";
    grounds.forEach(function (ground, row) {
      const strip = document.createElement("div");
      strip.className = "sticker-ground " + ground[0];
      strip.setAttribute("role", "group");
      strip.setAttribute("aria-label", ground[1]);
      for (let n = 1; n <= Math.min(count, 6); n++) {
        const img = document.createElement("img");
        img.src = list.dataset.stickers + pack + "/" + n + "/";
        img.alt = row === 0 ? "Sticker " + n : "";
        img.width = 56;
        img.height = 56;
        strip.append(img);
      }
      box.append(strip);
    });
    return box;
  }

  function listed(pack, words, href, count) {
    let item = list.querySelector("[data-pack='" + pack + "']");
    if (!item) {
      item = document.createElement("li");
      item.dataset.pack = pack;
      list.prepend(item);
    }
    item.textContent = messenger.selectedOptions[0].textContent.split(" (")[0] + words;
    if (href) {
      const link = document.createElement("a");
      link.href = href;
      link.setAttribute("download", "");
      link.textContent = "Download the zip";
      item.append(link, previews(pack, count));
    }
    document.getElementById("sticker-packs-wrap").hidden = false;
  }

  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (r.status === 200 || r.status === 201) {
        listed(body.id, ", " + body.count + " stickers: ", body.download, body.count);
        say("Your stickers are ready.");
        button.disabled = false;
        return;
      }
      if (r.status === 202) {
        listed(body.id, ": being made… " + body.percent + "%");
        const wait = Number(r.headers.get("Retry-After") || 2);
        const next = r.headers.get("Location");
        setTimeout(function () { follow(next); }, Math.min(Math.max(wait, 1), 10) * 1000 / 2);
        return;
      }
      throw new Error(body.detail || "The stickers couldn't be made. Please try again.");
    });
  }

  function follow(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(answer)
      .catch(stop);
  }

  function stop(err) {
    button.disabled = false;
    say(err.message);
  }

  form.addEventListener("change", counted);
  counted();
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const turns = chosen();
    const option = messenger.selectedOptions[0];
    const low = Number(option.dataset.low);
    const high = Number(option.dataset.high);
    if (turns.length < low || turns.length > high) {
      say(option.textContent.split(" (")[0] + " takes " + low + "–" + high +
          " stickers; you chose " + turns.length + ".");
      return;
    }
    button.disabled = true;
    say("Making your stickers…");
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrf ? csrf.value : "",
      },
      body: JSON.stringify({ turns: turns, messenger: messenger.value }),
    })
      .then(answer)
      .catch(stop);
  });
})();
