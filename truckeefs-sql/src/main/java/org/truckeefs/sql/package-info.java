/**
 * The SQL {@link org.truckeefs.spi.MetadataStore}: MariaDB/MySQL for many hosts, an embedded SQLite file for one.
 * Applications never use these types directly: they name a URI ({@code mariadb://host:port/db},
 * {@code sqlite:/path/metadata.db}) and the providers here are found with {@link java.util.ServiceLoader}.
 */
package org.truckeefs.sql;
