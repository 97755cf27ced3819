/**
 * TruckeeFS core. Users need four types: {@link org.truckeefs.core.RiverFS} (the filesystem; open it with
 * {@link org.truckeefs.core.RiverFS#open}), {@link org.truckeefs.core.RiverFsConfig} (its validated configuration,
 * built with a builder or from the seed's settings), {@link org.truckeefs.core.Backends} (the provider registry by
 * URI scheme) and {@link org.truckeefs.core.RiverFsStatus}. The embedded providers
 * ({@link org.truckeefs.core.InMemoryMetadataStoreProvider} {@code memory:},
 * {@link org.truckeefs.core.LocalBlobStoreProvider} {@code local:/dir}) are public only for ServiceLoader.
 * Everything else (namespace, open files, chunk cache, uploader, daemons) is package-private.
 */
package org.truckeefs.core;
