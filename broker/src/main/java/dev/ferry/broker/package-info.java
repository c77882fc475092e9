/** Ferry broker. */
package dev.ferry.broker;
