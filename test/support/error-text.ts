/**
 * Finds code that tells errors apart by their message text: a regex `.test`/`.exec` of, or a
 * `.includes`/`.startsWith`/`.endsWith`/`.match`/`.search`/`.indexOf` on, or an `===` between a
 * string literal and, a message-like value. Message-like: `x.message`, `x.error` (a per-input
 * record's text), `errorMessage(…)`, or a local name holding one (declared from such a value, or
 * named `message`, `msg`, `reason`, `why`, `error`, `errorText`). A match preceded by a
 * `// foreign-error-text:` comment (a third-party library that gives text only) is allowed.
 */
import ts from "typescript";

export interface TextMatch {
  file: string;
  line: number;
  text: string;
}

const MATCHERS = new Set([
  "includes",
  "startsWith",
  "endsWith",
  "match",
  "matchAll",
  "search",
  "indexOf",
]);
const MESSAGE_NAMES = new Set(["message", "msg", "reason", "why", "error", "errorText"]);
const MARKER = "foreign-error-text:";

/** Whether an expression's text is (or is built from) an error's message. */
function messageLike(e: ts.Expression, derived: ReadonlySet<string>): boolean {
  let x = e;
  while (ts.isParenthesizedExpression(x) || ts.isNonNullExpression(x) || ts.isAsExpression(x)) {
    x = x.expression;
  }
  if (ts.isPropertyAccessExpression(x)) return x.name.text === "message" || x.name.text === "error";
  if (ts.isCallExpression(x) && ts.isIdentifier(x.expression)) {
    return x.expression.text === "errorMessage";
  }
  if (ts.isIdentifier(x)) return MESSAGE_NAMES.has(x.text) || derived.has(x.text);
  return false;
}

/** Names declared from a message-like value anywhere in the file (`const m = err.message`). */
function derivedNames(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      let found = false;
      const scan = (m: ts.Node) => {
        if (found) return;
        if (ts.isExpression(m) && messageLike(m, new Set())) found = true;
        else ts.forEachChild(m, scan);
      };
      scan(n.initializer);
      if (found) out.add(n.name.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Whether the line of `pos`, or the comment lines just above it, carry the marker. */
function marked(lines: readonly string[], line: number): boolean {
  if (lines[line].includes(MARKER)) return true;
  for (let i = line - 1; i >= 0 && lines[i].trim().startsWith("//"); i--) {
    if (lines[i].includes(MARKER)) return true;
  }
  return false;
}

/** The places in one source file that match on message text (unmarked ones only). */
export function messageTextMatches(file: string, source: string): TextMatch[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const derived = derivedNames(sf);
  const lines = source.split("\n");
  const out: TextMatch[] = [];
  const report = (n: ts.Node) => {
    const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
    if (!marked(lines, line)) out.push({ file, line: line + 1, text: n.getText(sf) });
  };
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const name = n.expression.name.text;
      const target = n.expression.expression;
      if ((name === "test" || name === "exec") && ts.isRegularExpressionLiteral(target)) {
        if (n.arguments[0] && messageLike(n.arguments[0], derived)) report(n);
      } else if (MATCHERS.has(name) && messageLike(target, derived)) report(n);
    }
    if (ts.isBinaryExpression(n)) {
      const op = n.operatorToken.kind;
      const eq =
        op === ts.SyntaxKind.EqualsEqualsEqualsToken ||
        op === ts.SyntaxKind.ExclamationEqualsEqualsToken ||
        op === ts.SyntaxKind.EqualsEqualsToken ||
        op === ts.SyntaxKind.ExclamationEqualsToken;
      const literal = (e: ts.Expression) =>
        ts.isStringLiteral(e) ||
        ts.isNoSubstitutionTemplateLiteral(e) ||
        ts.isTemplateExpression(e);
      if (
        eq &&
        ((literal(n.right) && messageLike(n.left, derived)) ||
          (literal(n.left) && messageLike(n.right, derived)))
      ) {
        report(n);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}
