/**
 * The host's side of `shipSource`: parse the class's source and find the variables it uses from outside itself.
 *
 * acorn parses (the parser behind webpack, Rollup and ESLint's espree: current ECMAScript, including class fields,
 * private `#names` and static blocks) and eslint-scope resolves every identifier to its declaration the way ESLint
 * does; what is left unresolved at the top — `globalScope.through` — is exactly the free variables. A regular
 * expression cannot tell a captured `x` from a property `.x`, a parameter `x`, a local `let x` or a string.
 * Both are loaded only when a pool asks for `shipSource`.
 */
import { parse } from 'acorn';
import { analyze } from 'eslint-scope';
import { CapturedVariableError, PROVIDED_NAMES, capturedError, type ShippedSource } from './names.ts';

/** Reads, checks and describes the source of `Class` for evaluation in workers. Throws CapturedVariableError. */
export function shipClass(Class: Function, name: string): ShippedSource {
  const code = Function.prototype.toString.call(Class);
  const label = name || 'the class';
  let program: ReturnType<typeof parse>;
  try {
    // As an expression, so that the class's own name is bound in the class's scope and not seen as free.
    program = parse(`(${code}\n)`, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
  } catch (error) {
    throw new CapturedVariableError(
      `${label} cannot be shipped to workers as source: its source text does not parse as a class ` +
        `(${(error as Error).message}). Native, bound or proxied classes have no source to ship; use { module: import.meta.url }.`,
    );
  }
  const statement = program.body[0];
  const expression = statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
  if (program.body.length !== 1 || expression?.type !== 'ClassExpression') {
    throw new CapturedVariableError(`${label} cannot be shipped to workers as source: shipSource takes a class, got a ${expression?.type ?? 'statement list'}`);
  }
  const superName = expression.superClass?.type === 'Identifier' ? expression.superClass.name : undefined;
  const scopes = analyze(program as never, { ecmaVersion: 2022, sourceType: 'script' });
  const free: string[] = [];
  for (const reference of scopes.globalScope!.through) {
    const id = reference.identifier.name;
    if (!free.includes(id)) free.push(id);
  }
  const provided = free.filter((id) => PROVIDED_NAMES.has(id));
  const globals = free.filter((id) => !PROVIDED_NAMES.has(id) && id in globalThis);
  const captured = free.filter((id) => !PROVIDED_NAMES.has(id) && !(id in globalThis));
  if (captured.length > 0) throw capturedError(label, captured, superName);
  return { code, provided, globals };
}
