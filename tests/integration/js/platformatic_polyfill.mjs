// Promise.withResolvers (ES2024; node >= 22) for @platformatic/kafka on
// node 20. Imported before the library by platformatic_common.mjs.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve, reject
      const promise = new this((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    },
  })
}
