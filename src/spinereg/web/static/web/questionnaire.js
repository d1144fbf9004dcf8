// Live score while staff enter a form: the server's one scoring function answers, so the
// number shown is the number that will be stored.
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  var out = document.getElementById("live-score");
  if (!form || !out) { return; }
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  function answers() {
    var result = {};
    form.querySelectorAll("fieldset.item").forEach(function (set) {
      var linkId = set.id.slice(5);
      var checked = set.querySelector("input[type=radio]:checked");
      var number = set.querySelector("input[type=number]");
      var raw = checked ? checked.value : (number ? number.value : "");
      if (raw !== "") { result[linkId] = Number(raw); }
    });
    return result;
  }
  function update() {
    fetch(form.dataset.scoreUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({answers: answers()}),
      credentials: "same-origin"
    }).then(function (r) { return r.json().then(function (b) { return [r.status, b]; }); })
      .then(function (pair) {
        var status = pair[0], body = pair[1];
        if (status !== 200) {
          out.textContent = "Check the answers: " + (body.detail && body.detail[0] ? body.detail[0].msg : "invalid");
        } else if (body.value === null) {
          out.textContent = "Not scorable yet (" + body.reason + "): " + body.answered + " items answered. Saving keeps a draft.";
        } else {
          var parts = Object.keys(body.subscores).map(function (k) {
            return k + " " + (body.subscores[k] === null ? "—" : body.subscores[k].toFixed(1));
          });
          out.textContent = "Score: " + body.value.toFixed(1) + (parts.length ? " (" + parts.join(", ") + ")" : "");
        }
      });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
})();
