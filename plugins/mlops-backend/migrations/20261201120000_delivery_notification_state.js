// @ts-check

/**
 * What each model service's owner was last told about its delivery chain, so
 * a restart or another replica never repeats a notification.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('mlops_delivery_state', table => {
    table.comment(
      'Last delivery state (ok or broken) notified per model service',
    );
    table
      .string('entity_ref', 255)
      .primary()
      .notNullable()
      .comment('Entity ref of the model service, e.g. component:default/x');
    table
      .string('state', 16)
      .notNullable()
      .comment('ok or broken: what the owner was last told');
    table
      .text('verdict')
      .notNullable()
      .comment('The delivery verdict at that time');
    table
      .timestamp('changed_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now())
      .comment('When the state last changed');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('mlops_delivery_state');
};
