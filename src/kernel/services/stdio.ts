import { fail, ok, type ServiceDef } from './service';

/**
 * Terminal I/O for children. Holding a stdio cap *is* access to the terminal: write prints a line, read takes
 * the next line the user typed while a program is in the foreground, prompt sets the terminal's prompt.
 */
export const stdioService: ServiceDef<null> = {
  promise: 'stdio',
  legacyIface: 'StdIO',
  interfaces: { StdIO: ['write', 'read', 'prompt'] },
  init: () => null,
  create: (_ctx, _s, iface) => (iface === 'StdIO' ? { label: 'StdIO', data: null } : { error: `stdio has no interface ${iface}` }),
  handle(ctx, _s, req) {
    const text = typeof req.args[0] === 'string' ? req.args[0] : null;
    switch (req.method) {
      case 'write':
        if (text === null) return fail('write needs text', 'EINVAL');
        ctx.write(text.slice(0, 4000));
        return ok(true);
      case 'read':
        return ok(ctx.readInput());
      case 'prompt':
        ctx.setPrompt((text ?? '').slice(0, 40));
        return ok(true);
    }
    return fail(`no method ${req.method}`, 'ENOMETHOD');
  },
};
