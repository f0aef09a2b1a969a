// Data tables that become stacked cards on a phone: every cell carries its
// column name (data-label) for the narrow layout's CSS to show beside it, and
// one wrapper <div> so the cell's content stays one grid item there.
import { h } from './dom.js';

// columns: [{label, cell: (row) => node or text}]
export function dataTable(caption, columns, rows, rowAttrs) {
  return h('table', { class: 'data-table' },
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c.label })))),
    h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
      columns.map((c) => h('td', { 'data-label': c.label }, h('div', { class: 'cell' }, c.cell(r))))))));
}
