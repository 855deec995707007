// 随手拍 (/report/): the browser's location into the hidden latitude/longitude fields, and a
// line saying which photos were chosen. Loaded with `defer`; the CSP allows no inline script.
(function () {
  "use strict";

  var form = document.querySelector("[data-testid=report-form]");
  if (!form) return;

  // --- location ---
  var button = form.querySelector("[data-geo-button]");
  var label = form.querySelector("[data-geo-label]");
  var status = form.querySelector("[data-geo-status]");
  var lat = form.querySelector("[data-geo=latitude]");
  var lng = form.querySelector("[data-geo=longitude]");

  function say(text) {
    if (status) status.textContent = text;
  }

  if (button && status && lat && lng) {
    if (!("geolocation" in navigator) || !window.isSecureContext) {
      say(status.dataset.textUnsupported);
    } else {
      button.hidden = false;
      if (lat.value && lng.value && label) label.textContent = status.dataset.textRelocate;
      button.addEventListener("click", function () {
        button.disabled = true;
        say(status.dataset.textLocating);
        navigator.geolocation.getCurrentPosition(
          function (position) {
            lat.value = position.coords.latitude.toFixed(6);
            lng.value = position.coords.longitude.toFixed(6);
            button.disabled = false;
            if (label) label.textContent = status.dataset.textRelocate;
            say(status.dataset.textLocated.replace("%(m)s", Math.round(position.coords.accuracy || 0)));
          },
          function () {
            button.disabled = false;
            say(status.dataset.textFailed);
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
  }

  // --- photos: camera and album inputs share the name "photos" ---
  var photoStatus = form.querySelector("[data-photo-status]");
  var inputs = form.querySelectorAll("input[type=file][name=photos]");
  function countPhotos() {
    var names = [];
    inputs.forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        names.push(file.name);
      });
    });
    if (photoStatus) {
      photoStatus.textContent = names.length
        ? photoStatus.dataset.textChosen.replace("%(n)s", names.length)
        : photoStatus.dataset.textNone;
      photoStatus.classList.toggle("text-green", names.length > 0);
    }
  }
  inputs.forEach(function (input) {
    input.addEventListener("change", countPhotos);
  });
})();
