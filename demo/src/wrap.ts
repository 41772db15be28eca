/**
 * Text cut where a line may break: after a comma, and before a slash inside a
 * path or a name. The views put a `<wbr>` between the pieces, so a JSON body or
 * a long route template wraps between fields and segments, never inside a word,
 * and its text stays the same.
 *
 * @example pieces('{"path":"/nc/:project_id","from":"/"}') // ['{"path":"/nc', '/:project_id",', '"from":"/"}']
 */
export const pieces = (text: string): string[] => text.split(/(?<=,)|(?<=[^"/,])(?=\/)/)
