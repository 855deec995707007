// 创城督办: page behaviour. Loaded with `defer`; the CSP allows no inline script, so every
// behaviour is attached here from data attributes.
(function () {
  "use strict";

  // <form data-submit-once>: disable the submit buttons once the form is sent, so a slow
  // intranet connection does not turn an impatient second tap into a second request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.classList.add("btn-loading");
      button.setAttribute("aria-disabled", "true");
    });
  });

  // Back/forward cache: a restored page must accept a submit again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.classList.remove("btn-loading");
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
