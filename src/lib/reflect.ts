// tsyringe needs the Reflect metadata API before it is first imported; importing this
// module first lets callers use the package without importing reflect-metadata themselves.
import "reflect-metadata";
