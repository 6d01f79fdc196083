// Goal: print the text of /vault/secrets. You are unveiled to /home (read): everything else is invisible.
function* main(sys) {
  const r = yield sys.call('fs', 'read', ['/home/docs/notes.txt']);
  yield sys.call('stdio', 'write', [r.ok ? r.value : r.code + ': ' + r.error]);
}
