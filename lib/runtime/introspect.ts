/** Which names of an instance are callable from the pool: its class's methods (up to, not including, Object) and function-valued own fields. */
const hidden = new Set(['constructor', 'then', '__proto__', 'prototype']);

export function methodNamesOf(instance: object): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(instance)) {
    if (typeof (instance as Record<string, unknown>)[key] === 'function' && !hidden.has(key)) names.add(key);
  }
  for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (hidden.has(key) || names.has(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (descriptor && typeof descriptor.value === 'function') names.add(key);
    }
  }
  return [...names];
}
