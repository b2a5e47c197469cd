// Units files (`#units "units.opts"`): each definition `<amount> <Unit> = <value>` defines
// Unit as value/amount, e.g. `1 GeV = 1000` makes 5*GeV mean 5000. Gaudi writes one per
// line with no `;` (`1 m = 1000`); a `;` after a definition is accepted too, and `*`
// may join the amount and the unit (`1*m = 1000`).
import { ErrorCodes, type ErrorCode } from '../errors.js';
import { JobOptionsError, formatLocation } from './errors.js';
import { tokenize, type Token } from './lexer.js';
import type { SourceLocation } from './types.js';

/** Reads unit definitions into `units` (name -> factor); a second definition is an error. */
export function parseUnits(text: string, file: string, units: Map<string, number>, sites: Map<string, SourceLocation>): void {
  const tokens = tokenize(text, file);
  let at = 0;
  const next = (): Token => {
    const token = tokens[at]!;
    if (token.type !== 'eof') at++;
    return token;
  };
  const peek = (): Token => tokens[at]!;
  const fail = (detail: string, token: Token, code: ErrorCode = ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX): never => {
    throw new JobOptionsError(code, detail, { file, line: token.line, column: token.column }, { source: text });
  };
  const number = (what: string): number => {
    let token = next();
    let sign = 1;
    if (token.type === 'punct' && (token.text === '-' || token.text === '+')) {
      sign = token.text === '-' ? -1 : 1;
      token = next();
    }
    if (token.type !== 'number') fail(`expected ${what} in the units file, as in '1 GeV = 1000'`, token);
    return sign * Number(token.value);
  };
  while (peek().type !== 'eof') {
    const amount = number('a number at the start of a unit definition');
    if (peek().type === 'punct' && peek().text === '*') next();
    const name = next();
    if (name.type !== 'name' || name.text.includes('.')) fail(`expected a unit name after ${amount}, as in '1 GeV = 1000'`, name);
    const eq = next();
    if (eq.type !== 'punct' || eq.text !== '=') fail(`expected '=' after the unit name ${name.text}`, eq);
    const value = number(`the value of ${name.text} after '='`);
    if (peek().type === 'punct' && peek().text === ';') next();
    if (amount === 0) fail(`the unit ${name.text} is defined for an amount of 0: expected a non-zero amount`, name);
    const earlier = sites.get(name.text);
    if (earlier) {
      fail(`the unit ${name.text} is already defined at ${formatLocation(earlier)}`, name, ErrorCodes.ERR_COWLOOP_OPTIONS_UNITS);
    }
    units.set(name.text, value / amount);
    sites.set(name.text, { file, line: name.line, column: name.column });
  }
}
