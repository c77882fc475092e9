/** Ferry release decisions: pure functions, no I/O, time passed in as a value. */
package dev.ferry.core;
