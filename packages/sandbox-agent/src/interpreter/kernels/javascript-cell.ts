import { stripTypeScriptTypes } from 'node:module';
import { parse, type ImportDeclaration, type Pattern, type Program, type VariableDeclaration } from 'acorn';

/**
 * Turns a notebook cell of JavaScript (or TypeScript) into a script the JavaScript bridge can
 * run with `vm.Script` in its global context, keeping REPL semantics:
 *
 * - top-level `var`/`let`/`const`/`class`/`function` become globals, so the next cell sees them
 *   and re-running a cell that declares `const x` works;
 * - static `import` becomes `await import(...)` bound to the same names;
 * - the cell runs in an async function, so top-level `await` works;
 * - the last expression statement's value is returned as `{ value }` (boxed, so a promise is
 *   shown as a promise, not awaited).
 *
 * The result is `var a, b; (async () => { … })()` on the cell's first line, so line numbers in
 * stack traces match the cell.
 */
export function compileCell(source: string, language: 'javascript' | 'typescript'): string {
  const code = language === 'typescript' ? stripTypes(source) : source;
  let program: Program;
  try {
    program = parse(code, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true });
  } catch (error) {
    throw new CellSyntaxError((error as Error).message);
  }
  const names = new Set<string>();
  const edits: Edit[] = [];
  const hoisted: string[] = [];
  const body = program.body;
  for (const [index, node] of body.entries()) {
    const isLast = index === body.length - 1;
    // `export const x = 1` in a cell means the same as `const x = 1`: cells have no exports.
    const exported = node.type === 'ExportNamedDeclaration' && node.declaration ? node.declaration : undefined;
    if (exported) edits.push({ start: node.start, end: exported.start, text: '' });
    const statement = exported ?? node;
    switch (statement.type) {
      case 'VariableDeclaration':
        edits.push({ start: statement.start, end: statement.end, text: declarationAsAssignments(statement, code, names) });
        break;
      case 'FunctionDeclaration': {
        const name = statement.id?.name;
        if (name) {
          names.add(name);
          // The declaration stays (hoisted inside the cell as usual); the global gets it first thing.
          hoisted.push(`globalThis[${JSON.stringify(name)}] = ${name};`);
        }
        break;
      }
      case 'ClassDeclaration': {
        const name = statement.id?.name;
        if (name) {
          names.add(name);
          edits.push({ start: statement.start, end: statement.end, text: `;${name} = ${code.slice(statement.start, statement.end)};` });
        }
        break;
      }
      case 'ImportDeclaration':
        edits.push({ start: statement.start, end: statement.end, text: importAsAwait(statement, code, names) });
        break;
      case 'ExpressionStatement':
        if (isLast && statement.directive === undefined) {
          const expression = code.slice(statement.expression.start, statement.expression.end);
          edits.push({ start: statement.start, end: statement.end, text: `return { value: (${expression}) };` });
        }
        break;
      default:
        break;
    }
  }
  let rewritten = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    rewritten = rewritten.slice(0, edit.start) + edit.text + rewritten.slice(edit.end);
  }
  const declarations = names.size > 0 ? `var ${[...names].join(', ')}; ` : '';
  return `${declarations}(async () => { ${hoisted.join(' ')}${rewritten}\n})()`;
}

/** The cell is not valid JavaScript/TypeScript; reported as the user's `SyntaxError`. */
export class CellSyntaxError extends Error {
  override readonly name = 'SyntaxError';
}

function stripTypes(source: string): string {
  try {
    // `transform` also handles enums and namespaces, which have runtime code.
    return stripTypeScriptTypes(source, { mode: 'transform' });
  } catch (error) {
    throw new CellSyntaxError((error as Error).message);
  }
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function declarationAsAssignments(declaration: VariableDeclaration, code: string, names: Set<string>): string {
  const assignments: string[] = [];
  for (const declarator of declaration.declarations) {
    collectBindings(declarator.id, names);
    const target = code.slice(declarator.id.start, declarator.id.end);
    if (declarator.init) {
      // Parenthesised: `{a} = o` alone would parse as a block.
      assignments.push(`(${target} = ${code.slice(declarator.init.start, declarator.init.end)});`);
    } else if (declaration.kind !== 'var' && declarator.id.type === 'Identifier') {
      // `let x;` run again must reset x, as a fresh binding would be.
      assignments.push(`(${target} = undefined);`);
    }
  }
  return `;${assignments.join(' ')}`;
}

function importAsAwait(declaration: ImportDeclaration, code: string, names: Set<string>): string {
  const source = code.slice(declaration.source.start, declaration.source.end);
  const load = `await import(${source})`;
  const namespace = declaration.specifiers.find((specifier) => specifier.type === 'ImportNamespaceSpecifier');
  const properties: string[] = [];
  for (const specifier of declaration.specifiers) {
    names.add(specifier.local.name);
    if (specifier.type === 'ImportDefaultSpecifier') properties.push(`default: ${specifier.local.name}`);
    if (specifier.type === 'ImportSpecifier') {
      const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : code.slice(specifier.imported.start, specifier.imported.end);
      properties.push(`${imported}: ${specifier.local.name}`);
    }
  }
  if (namespace) {
    const rest = properties.length > 0 ? ` ({${properties.join(', ')}} = ${namespace.local.name});` : '';
    return `;${namespace.local.name} = ${load};${rest}`;
  }
  if (properties.length === 0) return `;${load};`;
  return `;({${properties.join(', ')}} = ${load});`;
}

function collectBindings(pattern: Pattern, names: Set<string>): void {
  switch (pattern.type) {
    case 'Identifier':
      names.add(pattern.name);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) collectBindings(property.type === 'RestElement' ? property.argument : property.value, names);
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) collectBindings(element, names);
      break;
    case 'AssignmentPattern':
      collectBindings(pattern.left, names);
      break;
    case 'RestElement':
      collectBindings(pattern.argument, names);
      break;
    default:
      break;
  }
}
