// Small enhancements; every page works without them.
(function () {
  "use strict";
  // A phone shows table rows as cards: each cell is labelled with its column's header.
  document.querySelectorAll("main table").forEach(function (table) {
    var headers = table.querySelectorAll("thead tr:last-child th");
    if (!headers.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var header = headers[column];
        if (header && !cell.hasAttribute("data-label") && cell.colSpan === 1) {
          var label = header.textContent.trim();
          if (label) cell.setAttribute("data-label", label);
        }
        column += cell.colSpan || 1;
      });
    });
  });
  // After a rejected submission, the error summary takes the focus, so it is read out first.
  var summary = document.querySelector(".error-summary, main .errorlist[role=alert]");
  if (summary) {
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
