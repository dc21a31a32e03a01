/* Resident list uploads work without JavaScript. This only shows how much of a large file has
   been sent, then that it is being imported, and says at once when a file is too large.
   The form is sent as the browser would send it, with a header asking for where to go next
   when the upload succeeds; a page with problems is shown in place of this one. Its words come
   from the progress box's data- attributes, in the page's language. */
(function () {
  "use strict";

  function setStatus(parts, text) {
    parts.status.textContent = text;
  }

  function words(parts, name) {
    return parts.box.getAttribute("data-" + name) || "";
  }

  function showProblem(form, input, message) {
    var id = input.id + "-too-large";
    var note = document.getElementById(id);
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "field-error";
      note.setAttribute("role", "alert");
      input.parentNode.insertBefore(note, input);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + id);
    }
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  function showPage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var incoming = page.getElementById("main");
    var current = document.getElementById("main");
    if (!incoming || !current) { return false; }
    var replacement = document.importNode(incoming, true);
    current.parentNode.replaceChild(replacement, current);
    if (page.title) { document.title = page.title; }
    start(replacement);
    var summary = replacement.querySelector(".error-summary");
    (summary || replacement).focus();
    return true;
  }

  function send(form, parts) {
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    var lastAnnounced = -1;
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-PB-Upload", "progress");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.floor(event.loaded / event.total * 100);
      parts.bar.value = percent;
      parts.bar.textContent = percent + "%";
      // Announce every tenth, not every change, so a screen reader is not flooded.
      if (Math.floor(percent / 10) !== lastAnnounced) {
        lastAnnounced = Math.floor(percent / 10);
        setStatus(parts, words(parts, "sent").replace("{percent}", String(percent)));
      }
    });
    xhr.upload.addEventListener("load", function () {
      parts.label.textContent = words(parts, "importing");
      parts.bar.removeAttribute("value");
      parts.bar.textContent = "";
      setStatus(parts, words(parts, "imported"));
    });
    xhr.addEventListener("load", function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.status === 200 && type.indexOf("application/json") === 0) {
        window.location.assign(JSON.parse(xhr.responseText).location);
        return;
      }
      if (xhr.status >= 400 && showPage(xhr.responseText)) { return; }
      window.location.assign(xhr.responseURL || form.action);
    });
    xhr.addEventListener("error", function () {
      parts.box.hidden = true;
      if (button) { button.disabled = false; }
      showProblem(form, form.querySelector("input[type=file]"), words(parts, "failed"));
    });
    parts.box.hidden = false;
    if (button) { button.disabled = true; }
    setStatus(parts, words(parts, "sending"));
    xhr.send(new FormData(form));
  }

  function onSubmit(event) {
    var form = event.currentTarget;
    if (!window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }
    var box = document.getElementById(form.getAttribute("data-upload-progress"));
    if (!box) { return; }
    var parts = {
      box: box,
      bar: box.querySelector("progress"),
      label: box.querySelector("label"),
      status: box.querySelector("[role=status]")
    };
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    event.preventDefault();
    if (file && max && file.size > max) {
      showProblem(form, input, form.getAttribute("data-too-large"));
      return;
    }
    send(form, parts);
  }

  function start(root) {
    var forms = root.querySelectorAll("form[data-upload-progress]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener("submit", onSubmit);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { start(document); });
})();
