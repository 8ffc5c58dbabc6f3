// Placeholder until the PostgreSQL global setup lands (owned by the store work); does nothing.
export async function setup(): Promise<void> {}
