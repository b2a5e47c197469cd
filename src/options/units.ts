// Units files (`#units "units.opts"`): each line `<amount> <Unit> = <value>;` defines
// Unit as value/amount, e.g. `1 GeV = 1000;` makes 5*GeV mean 5000.
import { ErrorCodes } from '../errors.js';
import { JobOptionsError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Reads unit definitions into `units` (name -> factor). */
export function parseUnits(text: string, file: string, units: Map<string, number>): void {
  const tokens = tokenize(text, file);
  let at = 0;
  const next = (): Token => {
    const token = tokens[at]!;
    if (token.type !== 'eof') at++;
    return token;
  };
  const fail = (detail: string, token: Token): never => {
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX,
      detail,
      { file, line: token.line, column: token.column },
      { source: text },
    );
  };
  const number = (what: string): number => {
    let token = next();
    let sign = 1;
    if (token.type === 'punct' && (token.text === '-' || token.text === '+')) {
      sign = token.text === '-' ? -1 : 1;
      token = next();
    }
    if (token.type !== 'number') fail(`expected ${what} in the units file, as in '1 GeV = 1000;'`, token);
    return sign * (token.value as number);
  };
  while (tokens[at]!.type !== 'eof') {
    const amount = number('a number at the start of a unit definition');
    const name = next();
    if (name.type !== 'name' || name.text.includes('.')) fail(`expected a unit name after ${amount}, as in '1 GeV = 1000;'`, name);
    const eq = next();
    if (eq.type !== 'punct' || eq.text !== '=') fail(`expected '=' after the unit name ${name.text}`, eq);
    const value = number(`the value of ${name.text} after '='`);
    const semi = next();
    if (semi.type !== 'punct' || semi.text !== ';') fail(`expected ';' after the definition of ${name.text}`, semi);
    if (amount === 0) fail(`the unit ${name.text} is defined for an amount of 0: expected a non-zero amount`, name);
    units.set(name.text, value / amount);
  }
}
