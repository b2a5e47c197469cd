'use strict';
// The benchmark's per-event work: a little arithmetic on the record's fields, the result put
// in the event store for OutputStream. Light on purpose: reading the input is what is measured.
const { Algorithm } = require('cowloop');

class Summarise extends Algorithm {
  execute(ctx) {
    const d = ctx.data;
    let h = 0;
    for (let i = 0; i < d.note.length; i++) h = (h * 31 + d.note.charCodeAt(i)) | 0;
    ctx.store.put('id', d.id);
    ctx.store.put('score', d.energy * d.hits + (h & 0xff));
  }
}

module.exports = { Summarise };
