// Carol's submission. Unveil hides /vault: ask for it anyway.
function* main(sys) {
  const r = yield sys.call('fs', 'read', ['/vault/secrets']);
  yield sys.call('stdio', 'write', [r.ok ? 'stolen: ' + r.value : 'refused: ' + r.code]);
}
