// The avatar page: live progress over a websocket, a polling fallback, and the
// before/after slider. The server's database is the truth: every (re)connect starts
// with a snapshot, so a dropped socket only costs a moment. Stages arrive as codes
// ("stylise") and are shown in words ("Inking"); screen readers hear each new stage and
// the outcome through one polite live region, not every percent.
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (!live) return;
  const avatarId = live.dataset.avatar;
  const statusUrl = live.dataset.statusUrl;
  const template = document.getElementById("progress-template");
  const liveStatus = document.getElementById("live-status");
  const wordsData = document.getElementById("stage-words");
  const words = wordsData ? JSON.parse(wordsData.textContent) : { stages: {}, statuses: {} };
  let socket = null;
  let pollTimer = null;
  let retryDelay = 500;
  let failures = 0;
  let pollDelay = 1000;
  let polling = false;
  let pollStopped = false;

  function stageWords(stage, status, given) {
    if (given) return given;
    if (status && status !== "running") return words.statuses[status] || "Drawing";
    return words.stages[stage] || "Drawing";
  }

  let lastAnnounced = "";
  function announce(text) {
    if (!liveStatus || !text || text === lastAnnounced) return;
    lastAnnounced = text;
    liveStatus.textContent = text;
  }

  function versionName(el) {
    return el && el.dataset.number ? "Version " + el.dataset.number : "Your avatar";
  }

  function card(turnId) {
    let el = live.querySelector('.progress-card[data-turn="' + turnId + '"]');
    if (!el && template) {
      el = template.content.firstElementChild.cloneNode(true);
      el.dataset.turn = turnId;
      live.appendChild(el);
    }
    return el;
  }

  function setProgress(turnId, stage, percent, message, status, given) {
    const el = card(turnId);
    if (!el) return;
    const text = stageWords(stage, status === "queued" ? "queued" : "running", given);
    percent = percent || 0;
    // Within one run the bar never goes back (a throttled snapshot may lag an event).
    if (el.dataset.status === "running" && status !== "queued" && percent < Number(el.dataset.percent || 0)) {
      percent = Number(el.dataset.percent);
    }
    el.dataset.status = status === "queued" ? "queued" : "running";
    el.dataset.percent = percent;
    el.querySelector(".progress-stage").textContent = text;
    el.querySelector(".progress-percent").textContent = percent + "%";
    el.querySelector(".progress-bar").value = percent;
    if (message) el.querySelector(".progress-message").textContent = message;
    // The timeline's placeholder says the same words as the card.
    const placeholder = document.querySelector('[data-words-for="' + turnId + '"]');
    if (placeholder) placeholder.textContent = text;
    announce(versionName(el) + ": " + text);
    // Running again (a retry, perhaps from another tab): the old outcome goes away.
    el.querySelector(".progress-outcome").hidden = true;
    el.querySelector(".progress-bar").hidden = false;
    const cancel = el.querySelector(".cancel-form");
    if (cancel) cancel.hidden = false;
  }

  // Text events carry their offset in the turn's text: skip what we already have (the
  // snapshot may already hold it), ask for a snapshot if something was missed, and start
  // again on an empty delta at offset 0 (a new attempt).
  function appendText(turnId, delta, offset) {
    const el = card(turnId);
    if (!el) return;
    const box = el.querySelector(".progress-text");
    const have = Array.from(box.textContent);
    if (offset === undefined) { box.textContent += delta; return; }
    if (!delta && offset === 0) { box.textContent = ""; return; }
    const add = Array.from(delta);
    if (offset > have.length) { poll(); return; }
    if (offset + add.length <= have.length) return;
    box.textContent = have.slice(0, offset).join("") + add.join("");
  }

  function showImage(turnId, image, thumbnail, modelText) {
    const result = document.getElementById("result");
    if (result) {
      result.src = image;
      result.hidden = false;
      result.dataset.turn = turnId;
    }
    const note = document.getElementById("drawing-note");
    if (note) note.remove();
    const controls = document.getElementById("compare-controls");
    if (controls) controls.hidden = false;
    const downloads = document.getElementById("downloads");
    if (downloads) {
      const base = image.replace(/image\.png$/, "download.");
      downloads.innerHTML =
        '<a class="button small" id="download-png" href="' + base + 'png">Download PNG</a> ' +
        '<a class="button small secondary" id="download-webp" href="' + base + 'webp">WebP</a>';
      downloads.hidden = false;
    }
    const el = live.querySelector('.progress-card[data-turn="' + turnId + '"]');
    if (el) {
      el.dataset.status = "succeeded";
      el.querySelector(".progress-bar").value = 100;
      el.querySelector(".progress-percent").textContent = "100%";
      el.querySelector(".progress-stage").textContent = stageWords("done", "succeeded");
      el.querySelector(".progress-message").textContent = "Done";
      el.querySelectorAll(".cancel-form").forEach(function (f) { f.hidden = true; });
      announce(versionName(el) + " is ready.");
      setTimeout(function () { el.remove(); }, 1500);
    }
    const item = document.querySelector('#timeline li[data-turn="' + turnId + '"]');
    if (item) {
      item.className = "status-succeeded current shown";
      const thumb = item.querySelector(".thumb");
      if (thumb && thumbnail) thumb.innerHTML = '<img src="' + thumbnail + '" alt="">';
    }
    const parent = document.querySelector('#edit-form input[name="parent"]');
    if (parent) parent.value = turnId;  // the new version is current: edits start from it
    const apply = document.querySelector("#edit-form button");
    if (apply) apply.disabled = false;
    let quote = document.getElementById("model-text");
    if (modelText) {
      if (!quote) {
        quote = document.createElement("blockquote");
        quote.id = "model-text";
        document.getElementById("compare").appendChild(quote);
      }
      quote.textContent = modelText;
    }
    document.body.dataset.lastDone = turnId;
    refreshPanels();
  }

  // The timeline (likeness words, "current", actions), the caption and the photo's note (the
  // photo may go seconds after "done", as its owner chose) are drawn by the server: after a
  // version finishes or fails, fetch the page again and swap them in.
  function refreshPanels(more) {
    fetch(live.dataset.detailUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        const doc = new DOMParser().parseFromString(html, "text/html");
        ["timeline", "shown-caption", "edit-base", "downloads", "takes", "photo-note"].concat(more || []).forEach(function (id) {
          const fresh = doc.getElementById(id);
          const old = document.getElementById(id);
          if (fresh && old) old.innerHTML = fresh.innerHTML;
        });
      })
      .catch(function () {});
  }

  // A failure is told once, in the timeline (with Retry when a retry could help): the card
  // only says it ended and points there.
  function showFailure(turnId, message, status) {
    const el = card(turnId);
    if (!el) return;
    el.dataset.status = status;
    el.querySelector(".progress-stage").textContent = stageWords("", status);
    el.querySelector(".progress-message").textContent = "";
    el.querySelector(".progress-text").textContent = "";
    el.querySelector(".progress-bar").hidden = true;
    el.querySelector(".progress-percent").textContent = "";
    const outcome = el.querySelector(".progress-outcome");
    const name = versionName(el);
    outcome.textContent = "";
    outcome.append(name + (status === "cancelled" ? " was cancelled. " : " didn't work. "));
    if (el.dataset.number) {
      const link = document.createElement("a");
      link.href = "#v" + el.dataset.number;
      link.textContent = status === "cancelled" ? "See it in Versions" : "See why in Versions";
      outcome.append(link);
    }
    outcome.hidden = false;
    const cancel = el.querySelector(".cancel-form");
    if (cancel) cancel.hidden = true;
    const note = document.getElementById("drawing-note");
    if (note && !hasWork()) note.textContent = "The first version didn't work: see Versions.";
    announce(status === "cancelled" ? name + " was cancelled." : name + " didn't work: " + message);
    refreshPanels();
  }

  function applySnapshot(snap) {
    let measured = false;
    (snap.turns || []).forEach(function (t) {
      const known = live.querySelector('.progress-card[data-turn="' + t.turn + '"]');
      // Its likeness was measured while this page was not listening (loaded just before).
      if (t.status === "succeeded" && !t.likeness_pending &&
          document.querySelector('[data-likeness-pending="' + t.turn + '"]')) measured = true;
      if (t.status === "queued" || t.status === "running") {
        setProgress(t.turn, t.stage, t.percent, t.message, t.status, t.words);
        const el = card(t.turn);
        if (el && !el.dataset.number) el.dataset.number = t.number;
        if (el) el.querySelector(".progress-text").textContent = t.model_text || "";
      } else if (t.status === "succeeded" && known && known.dataset.status !== "succeeded") {
        showImage(t.turn, t.image, t.thumbnail, t.model_text);
      } else if ((t.status === "failed" || t.status === "cancelled") && known &&
                 known.dataset.status !== t.status) {
        showFailure(t.turn, t.error_message, t.status);
      }
    });
    if (measured) refreshPanels();
  }

  function handle(event) {
    switch (event.type) {
      case "snapshot": applySnapshot(event); break;
      case "progress":
        setProgress(event.turn, event.stage, event.percent, event.message, event.status, event.words);
        break;
      case "text": appendText(event.turn, event.delta, event.offset); break;
      case "done": showImage(event.turn, event.image, event.thumbnail, event.model_text); break;
      case "failed":
        showFailure(event.turn, event.message, event.code === "cancelled" ? "cancelled" : "failed");
        break;
      // Measured after "done": the timeline's likeness words come from the server.
      case "likeness": refreshPanels(); break;
      // The best of several takes became current: show it, as a reload would.
      case "current": refreshPanels(["compare-top", "downloads", "takes"]); break;
    }
  }

  function hasWork() {
    return !!live.querySelector('.progress-card[data-status="queued"], .progress-card[data-status="running"]');
  }

  // One poll at a time; slower after errors; stops for good when the page is gone
  // (404: the avatar was deleted) or the session ended (the status view redirects).
  function poll() {
    if (polling || pollStopped) return;
    clearTimeout(pollTimer);
    polling = true;
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin", redirect: "manual" })
      .then(function (r) {
        if (r.status === 404 || r.status === 403 || r.type === "opaqueredirect") {
          pollStopped = true;
          throw new Error("gone");
        }
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (snap) { applySnapshot(snap); pollDelay = 1000; })
      .catch(function () { pollDelay = Math.min(pollDelay * 2, 15000); })
      .finally(function () {
        polling = false;
        if (!pollStopped && hasWork() && (!socket || socket.readyState !== WebSocket.OPEN)) {
          pollTimer = setTimeout(poll, pollDelay);
        }
      });
  }

  function connect() {
    if (!("WebSocket" in window)) { poll(); return; }
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/avatars/" + avatarId + "/");
    socket.onopen = function () { retryDelay = 500; failures = 0; document.body.dataset.socket = "open"; };
    socket.onmessage = function (msg) { handle(JSON.parse(msg.data)); };
    socket.onclose = function () {
      document.body.dataset.socket = "closed";
      failures += 1;
      // Keep the page current while we reconnect; fall back to polling for good after
      // repeated failures (a proxy that blocks websockets).
      poll();
      if (failures < 8) {
        setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10000);
      }
    };
  }

  // The share link selects itself, ready to copy.
  const shareUrl = document.getElementById("share-url");
  if (shareUrl) shareUrl.addEventListener("focus", function () { shareUrl.select(); });

  // Before/after slider: reveal the original under the avatar.
  const slider = document.getElementById("compare-slider");
  const top = document.getElementById("compare-top");
  if (slider && top) {
    slider.addEventListener("input", function () {
      top.style.clipPath = "inset(0 " + (100 - slider.value) + "% 0 0)";
      slider.setAttribute("aria-valuetext", slider.value === "100" ? "Showing the avatar" :
        slider.value === "0" ? "Showing your selfie" : slider.value + "% avatar, the rest your selfie");
    });
  }

  // Back from a refused edit: bring the box and the reason under it into view together.
  if (document.getElementById("edit-error")) {
    document.getElementById("edit-heading").scrollIntoView({ block: "start" });
  }

  // A suspended account's socket is refused (nothing of theirs is drawn): don't knock.
  if (live.dataset.follow !== "off") connect();
})();
