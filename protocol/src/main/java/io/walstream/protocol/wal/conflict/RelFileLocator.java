package io.walstream.protocol.wal.conflict;

/**
 * {@code RelFileLocator} (RelFileNode before 16): where a relation's files are. OIDs unsigned in a {@code long}.
 *
 * @param tablespace {@code spcOid}
 * @param database   {@code dbOid}; 0 for a shared relation
 * @param relation   {@code relNumber}: the relfilenode, which is not the relation's OID after a rewrite
 */
public record RelFileLocator(long tablespace, long database, long relation) {

    /** For records that name no relation. */
    public static final RelFileLocator NONE = new RelFileLocator(0, 0, 0);

    /** {@code spc/db/rel}, as pg_waldump prints it. */
    @Override
    public String toString() {
        return tablespace + "/" + database + "/" + relation;
    }
}
