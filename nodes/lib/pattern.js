'use strict';

/** A device or point filter: `*` matches any run of characters, everything else is literal;
 * empty means any. Node-RED does not load files under lib/ as nodes. */
module.exports.pattern = function pattern(text) {
  const escaped = String(text || '*')
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
};
