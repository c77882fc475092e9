/** The Ferry custom resources. */
package dev.ferry.api;
