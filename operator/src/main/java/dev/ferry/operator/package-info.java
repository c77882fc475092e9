/** Ferry operator. */
package dev.ferry.operator;
