/** Ferry lab. */
package dev.ferry.lab;
