/** Entry point of the `tributary` command (bin/tributary.js loads the compiled file). */
import { main } from './main';

void main(process.argv.slice(2));
