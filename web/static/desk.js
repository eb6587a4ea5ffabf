/*
 * bidflow review desk: keyboard shortcuts, "posted N min ago" kept live, copy to clipboard,
 * autosave status and reloads on the draft page. Plain script, no build step; loaded with
 * `defer` by queue.html and draft.html, after htmx.
 *
 * Stable hooks (browser tests and templates rely on these; change them together):
 *   article.card#proposal-<id>        one card on the queue page; data-proposal="<id>",
 *                                     data-status="queued|approved", data-blocking="true|false"
 *   article.card.selected             the selected card (one at most), aria-current="true";
 *                                     on load the card named by the address's #proposal-<id>,
 *                                     else the first card, is selected (without focus)
 *   #cards                            the queue's list of cards
 *   [data-desk-item]                  the draft page's letter section (#draft): the item keys
 *                                     act on when the page has no cards
 *   [data-action=open]                the card title's link to the draft page (key o)
 *   [data-action=letter]              the letter's textarea (key e focuses it)
 *   [data-action=approve]             the Approve / Approve anyway button (key a)
 *   [data-action=override-reason]     a flagged draft's override reason; key a focuses it,
 *                                     Enter in it approves
 *   [data-action=reject-reason]       the reject reason field (key r focuses it; Enter submits)
 *   [data-action=reject]              the Reject button
 *   [data-action=send-bid]            an approved proposal's bid field (key s; Enter submits)
 *   [data-action=mark-sent]           the Mark as sent button
 *   [data-action=copy]                Copy button; data-copy-from = selector of the text (key c)
 *   .copy-status                      shows "Copied" (or how to copy by hand) in the item
 *   #autosave-status                  draft page: "Saved HH:MM" after each autosave
 *   #shortcuts                        the <dialog> listing the keys ("?", or [data-action=shortcuts])
 *   time.ago[datetime]                re-worded every minute, the way the server words it
 *   form[data-desk=reload]            draft page forms: the page reloads after their action
 *                                     succeeds (autosaves of the letter excepted)
 *   select[data-autosubmit]           queue filters: changing one applies the filters
 *
 * Keys are ignored while typing in a field (Escape leaves it) and with Ctrl, Alt or Meta held.
 */
(function () {
  "use strict";

  var CARD = "article.card";
  var COPIED_FOR_MS = 4000;
  // Where the selection was, so it can move on when htmx removes or replaces the card.
  var selectedId = null;
  var selectedIndex = 0;

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll(CARD));
  }

  function selectedCard() {
    return document.querySelector(CARD + ".selected");
  }

  /* The card or draft section the keys act on. */
  function currentItem() {
    return selectedCard() || document.querySelector("[data-desk-item]");
  }

  function select(card, options) {
    var focus = !options || options.focus !== false;
    cards().forEach(function (other) {
      other.classList.remove("selected");
      other.removeAttribute("aria-current");
    });
    if (!card) {
      selectedId = null;
      return;
    }
    card.classList.add("selected");
    card.setAttribute("aria-current", "true");
    selectedId = card.id;
    selectedIndex = cards().indexOf(card);
    if (focus) {
      card.focus({ preventScroll: true });
      card.scrollIntoView({ block: "start" });
    }
  }

  function move(step) {
    var list = cards();
    if (!list.length) return;
    var at = list.indexOf(selectedCard());
    var next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), list.length - 1);
    select(list[next]);
  }

  /* After htmx replaced or removed cards: keep the selection on the same card, or move it to the
     card now in the removed one's place, so the next key acts on what the reviewer sees. */
  function restoreSelection() {
    if (selectedId === null) return;
    var lostFocus = !document.activeElement || document.activeElement === document.body;
    var same = document.getElementById(selectedId);
    if (same && same.matches(CARD)) {
      if (!same.classList.contains("selected") || lostFocus) select(same, { focus: lostFocus });
      return;
    }
    var list = cards();
    select(list[Math.min(selectedIndex, list.length - 1)] || null, { focus: lostFocus });
  }

  function isTyping(element) {
    if (!element || !(element instanceof Element)) return false;
    if (element.isContentEditable) return true;
    if (element.matches("textarea, select")) return true;
    return element.matches("input") && !element.matches("[type=button], [type=submit], [type=reset], [type=checkbox], [type=radio]");
  }

  function focusField(item, selector) {
    var field = item && item.querySelector(selector);
    if (!field) return false;
    field.scrollIntoView({ block: "nearest" });
    field.focus();
    return true;
  }

  function approve(item) {
    var button = item && item.querySelector("[data-action=approve]");
    if (!button) return;
    // A flagged draft needs a stated reason: ask for it instead of approving.
    if (focusField(item, "[data-action=override-reason]")) return;
    button.click(); // a click, so htmx posts to the button's formaction
  }

  function approveWithReason(field) {
    var item = field.closest(CARD + ", [data-desk-item]");
    var button = item && item.querySelector("[data-action=approve]");
    if (!button) return;
    if (!field.value.trim()) {
      field.setCustomValidity("Say why you approve this draft despite its flags.");
      field.reportValidity();
      return;
    }
    field.setCustomValidity("");
    button.click();
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return copyBySelecting(text); }
      );
    }
    return Promise.resolve(copyBySelecting(text));
  }

  /* The fallback for pages served over plain HTTP (no navigator.clipboard) or a refused
     permission: copy from a hidden textarea, then give focus back. */
  function copyBySelecting(text) {
    var before = document.activeElement;
    var scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.style.position = "fixed";
    scratch.style.top = "0";
    scratch.style.opacity = "0";
    document.body.appendChild(scratch);
    scratch.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    scratch.remove();
    if (before && before instanceof HTMLElement) before.focus({ preventScroll: true });
    return copied;
  }

  function copyLetter(item, button) {
    if (!item) return;
    var source = button && button.dataset.copyFrom ? document.querySelector(button.dataset.copyFrom) : null;
    source = source || item.querySelector("[data-action=letter]");
    if (!source) return;
    var status = item.querySelector(".copy-status");
    copyText(source.value).then(function (copied) {
      if (!status) return;
      status.textContent = copied ? "Copied" : "Copy failed: select the letter and press Ctrl+C";
      window.clearTimeout(status._deskTimer);
      status._deskTimer = window.setTimeout(function () { status.textContent = ""; }, COPIED_FOR_MS);
    });
  }

  function shortcutsDialog() {
    return document.getElementById("shortcuts");
  }

  function toggleShortcuts() {
    var dialog = shortcutsDialog();
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  function openDraft(item) {
    var link = item && item.querySelector("[data-action=open]");
    if (link) window.location.href = link.href;
  }

  var KEYS = {
    j: function () { move(1); },
    k: function () { move(-1); },
    o: function () { openDraft(currentItem()); },
    e: function () { focusField(currentItem(), "[data-action=letter]"); },
    a: function () { approve(currentItem()); },
    r: function () { focusField(currentItem(), "[data-action=reject-reason]"); },
    s: function () { focusField(currentItem(), "[data-action=send-bid]"); },
    c: function () { copyLetter(currentItem(), null); },
    "?": toggleShortcuts,
  };

  function onKeyDown(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (isTyping(target)) {
      if (event.key === "Escape") {
        event.preventDefault();
        target.blur();
        var item = currentItem();
        if (item) item.focus({ preventScroll: true });
      } else if (event.key === "Enter" && target.matches("[data-action=override-reason]")) {
        event.preventDefault(); // Enter would press the form's first button: Save, not Approve
        approveWithReason(target);
      }
      return;
    }
    var dialog = shortcutsDialog();
    if (dialog && dialog.open && event.key !== "?") return; // the dialog closes on Escape itself
    if (!Object.prototype.hasOwnProperty.call(KEYS, event.key)) return;
    event.preventDefault();
    KEYS[event.key]();
  }

  function onClick(event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var copy = target.closest("[data-action=copy]");
    if (copy) {
      copyLetter(copy.closest(CARD + ", [data-desk-item]"), copy);
      return;
    }
    if (target.closest("[data-action=shortcuts]")) {
      toggleShortcuts();
      return;
    }
    if (target.closest("[data-action=close-shortcuts]")) {
      var dialog = shortcutsDialog();
      if (dialog) dialog.close();
      return;
    }
    var card = target.closest(CARD);
    if (card && !card.classList.contains("selected")) select(card, { focus: false });
  }

  /* Tabbing into a card selects it, so mouse, Tab and j/k agree on the current card. */
  function onFocusIn(event) {
    var card = event.target instanceof Element ? event.target.closest(CARD) : null;
    if (card && !card.classList.contains("selected")) select(card, { focus: false });
  }

  // The same words as bidflow.wording.ago, so a re-worded time matches the server's.
  function agoText(then, now) {
    var minutes = Math.floor((now - then) / 60000);
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min ago";
    if (minutes < 48 * 60) return Math.floor(minutes / 60) + " h ago";
    return Math.floor(minutes / (24 * 60)) + " d ago";
  }

  function refreshTimes() {
    var now = Date.now();
    document.querySelectorAll("time.ago[datetime]").forEach(function (time) {
      var then = Date.parse(time.getAttribute("datetime"));
      if (!isNaN(then)) time.textContent = agoText(then, now);
    });
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function onAfterRequest(event) {
    var detail = event.detail || {};
    var element = detail.elt;
    if (!(element instanceof Element)) return;
    var path = (detail.pathInfo && detail.pathInfo.requestPath) || "";
    var onDraftPage = element.closest("[data-desk=reload]");
    var saving = element.matches("[data-autosave]") || (onDraftPage && /\/edit$/.test(path));
    if (saving) {
      var status = document.getElementById("autosave-status");
      var now = new Date();
      if (status) {
        status.textContent = detail.successful
          ? "Saved " + pad(now.getHours()) + ":" + pad(now.getMinutes())
          : "Not saved: see the message above";
      }
      return;
    }
    if (onDraftPage && detail.successful) window.location.reload();
  }

  function selectOnLoad() {
    var named = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    var first = named && named.matches(CARD) ? named : cards()[0];
    if (first) select(first, { focus: false });
  }

  function start() {
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("click", onClick);
    document.addEventListener("focusin", onFocusIn);
    document.body.addEventListener("htmx:afterRequest", onAfterRequest);
    // htmx "settles" a swapped card ~20 ms later by copying the server's attributes onto it,
    // which drops the "selected" class the observer below had just put back: restore again.
    document.body.addEventListener("htmx:afterSettle", restoreSelection);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (choice) {
      choice.addEventListener("change", function () { choice.form.requestSubmit(); });
    });
    var list = document.getElementById("cards");
    if (list) new MutationObserver(restoreSelection).observe(list, { childList: true });
    selectOnLoad();
    refreshTimes();
    window.setInterval(refreshTimes, 60 * 1000);
  }

  start();
})();
