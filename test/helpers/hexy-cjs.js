/**
 * Jest only: node-opcua's debug helpers require `hexy`, an ES module that jest's CommonJS
 * runtime cannot load (Node itself can). This stands in for it with the one function they use
 * (hex dumps in debug output). Mapped in jest.config.js; production code loads the real hexy.
 */
function hexy(buf) {
  return Buffer.from(buf).toString('hex').replace(/(.{32})/g, '$1\n');
}
module.exports = { hexy, Hexy: function Hexy() {}, maxnumberlen: () => 0 };
