// Progressive enhancement for the pages: busy states on long actions, confirmations, downloads in place.
(function () {
  "use strict";
  var live = function (text) {
    var region = document.getElementById("live");
    if (region) { region.textContent = text; }
  };

  function busy(form, on) {
    var button = form.querySelector("button[type=submit][data-busy]");
    form.setAttribute("aria-busy", on ? "true" : "false");
    if (!button) { return; }
    if (on) {
      button.dataset.label = button.textContent;
      button.textContent = "Working…";
      button.disabled = true;
      live(button.dataset.busy);
    } else {
      button.textContent = button.dataset.label || button.textContent;
      button.disabled = false;
    }
  }

  function filename(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="?([^";]+)"?/.exec(header);
    return match ? match[1] : fallback;
  }

  function download(form, event) {
    event.preventDefault();
    var status = form.querySelector("[data-status]");
    var params = new URLSearchParams(new FormData(form));
    busy(form, true);
    if (status) { status.textContent = "Preparing the export…"; }
    fetch(form.action + "?" + params.toString(), {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (text) {
          var page = new DOMParser().parseFromString(text, "text/html");
          var detail = page.querySelector("main p");
          throw new Error(detail ? detail.textContent : "The export failed (" + response.status + ").");
        });
      }
      var name = filename(response, "export");
      return response.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
        if (status) { status.textContent = "Downloaded " + name + "."; }
        live("Downloaded " + name + ".");
      });
    }).catch(function (error) {
      if (status) { status.textContent = error.message; }
      live(error.message);
    }).then(function () { busy(form, false); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-download") && window.fetch && window.URLSearchParams) {
      download(form, event);
      return;
    }
    if (form.querySelector("button[type=submit][data-busy]")) {
      // After the browser has taken the form's data: a disabled button sends nothing, so wait a tick.
      setTimeout(function () { busy(form, true); }, 0);
    }
  });

  window.addEventListener("pageshow", function () {  // back from another page: no form stays busy
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) { busy(form, false); });
  });
})();
